"""From view data to one self-contained HTML page, through our own template.

The page inlines the vis-network build that pyvis ships (read from the installed ``pyvis``
package at render time), our script and our styles, and carries the graph as JSON in a
``<script type="application/json">`` block. Nothing is loaded from anywhere else.

Safety model
------------
* The data block is JSON with ``<``, ``>``, ``&``, U+2028 and U+2029 written as ``\\u`` escapes,
  so no label, definition or quote can close the block or open a tag.
* The page script builds every text with ``textContent``; links are made only from
  ``https://`` URLs computed in Python.
* A Content-Security-Policy meta tag allows scripts and style sheets only by SHA-256 hash
  (the two inline scripts and two inline style sheets, hashed here), images only as
  ``data:`` URLs, and no connections, frames, fonts, forms or base URL: an injected
  ``<script>``, ``onerror=`` or ``style=`` would not apply, and nothing can be fetched.
  (vis-network styles its elements through the CSSOM, which the policy does not govern.)

Examples
--------
>>> from kg.viz.model import build_view
>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_node("x", label="<img src=x onerror=alert(1)>")
>>> page = render_html(build_view(g))
>>> page.startswith("<!DOCTYPE html>"), "<img src=x" in page
(True, False)
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from kg.errors import KGError
from kg.viz.model import ViewData

__all__ = ["VIS_VERSION", "render_html", "write_html", "json_for_script", "script_hash",
           "content_security_policy", "vis_assets"]

#: The vis-network build inside the pyvis package that is inlined.
VIS_VERSION = "9.1.2"

_PLACEHOLDER = re.compile(r"@@([A-Z_]+)@@")
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
                 "\u2029": "\\u2029"}


def json_for_script(data: Any) -> str:
    r"""JSON that is safe inside ``<script type="application/json">``.

    Parameters
    ----------
    data : Any
        JSON-serialisable data.

    Returns
    -------
    str

    Raises
    ------
    TypeError
        If ``data`` cannot be serialised.

    Examples
    --------
    >>> print(json_for_script({"label": "</script><b>&"}))
    {"label":"\u003c/script\u003e\u003cb\u003e\u0026"}
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_ESCAPES[m.group(0)], text)


def _inline(text: str, tag: str) -> str:
    """Make asset text safe to inline in a ``<tag>`` element: normalised newlines (as the HTML
    parser would make them, so hashes match), no closing tag or comment opener, and no
    source-map comment (developer tools would try to fetch the map)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"^//# sourceMappingURL=.*$", "", text, flags=re.MULTILINE)
    text = re.sub(f"</(?={tag})", r"<\\/", text, flags=re.IGNORECASE)
    return text.replace("<!--", "<\\!--")


def script_hash(text: str) -> str:
    """The CSP source expression (``'sha256-…'``) of an inline script's or style sheet's text.

    Examples
    --------
    >>> script_hash("")
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
    """
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def content_security_policy(script_hashes: list[str], style_hashes: list[str]) -> str:
    """The page's Content-Security-Policy: nothing from outside, scripts and style sheets only
    by hash.

    Examples
    --------
    >>> content_security_policy(["'sha256-x'"], ["'sha256-y'"]).split("; ")[:3]
    ["default-src 'none'", "script-src 'sha256-x'", "style-src 'sha256-y'"]
    """
    return "; ".join([
        "default-src 'none'",
        "script-src " + " ".join(script_hashes),
        "style-src " + " ".join(style_hashes),
        "img-src data:",
        "font-src 'none'",
        "connect-src 'none'",
        "object-src 'none'",
        "frame-src 'none'",
        "worker-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
    ])


@lru_cache(maxsize=1)
def vis_assets() -> tuple[str, str]:
    """The vis-network script and stylesheet shipped in the installed pyvis package.

    Raises
    ------
    KGError
        If pyvis is missing or does not ship vis-network :data:`VIS_VERSION`.
    """
    try:
        base = _pyvis_dir() / "lib" / f"vis-{VIS_VERSION}"
        js = (base / "vis-network.min.js").read_text(encoding="utf-8")
        css = (base / "vis-network.css").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError) as exc:
        raise KGError(f"cannot read vis-network {VIS_VERSION} from the pyvis package: {exc}") from None
    return js, css


def _pyvis_dir() -> Path:
    """The installed pyvis package's directory, found without importing pyvis (its import
    loads IPython and jinja2: a third of a fresh ``kg viz --focus``); it is the directory
    ``importlib.resources.files("pyvis")`` gives.

    Raises
    ------
    ModuleNotFoundError
        If pyvis is not installed.
    """
    from importlib.util import find_spec

    spec = find_spec("pyvis")
    if spec is None:
        raise ModuleNotFoundError("No module named 'pyvis'")
    if spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    return Path(str(resources.files("pyvis")))  # pragma: no cover - pyvis is a regular package


@lru_cache(maxsize=1)
def _own_assets() -> tuple[str, str, str]:
    base = resources.files("kg.viz")
    return tuple(base.joinpath(name).read_text(encoding="utf-8")
                 for name in ("template.html", "app.js", "app.css"))  # type: ignore[return-value]


def render_html(view: ViewData) -> str:
    """The complete page for ``view``.

    Parameters
    ----------
    view : ViewData
        From :func:`kg.viz.model.build_view`.

    Returns
    -------
    str
        One HTML document with everything inlined.

    Raises
    ------
    KGError
        If the vis-network assets cannot be read, or the template lacks a placeholder.

    Examples
    --------
    >>> from kg.viz.model import build_view
    >>> import networkx as nx
    >>> page = render_html(build_view(nx.MultiDiGraph([("a", "b")]), title="<two>"))
    >>> "<title>&lt;two&gt;</title>" in page
    True
    """
    from kg.version import __version__

    template, app_js, app_css = _own_assets()
    vis_js, vis_css = vis_assets()
    vis_js, app_js = _inline(vis_js, "script"), _inline(app_js, "script")
    vis_css, app_css = _inline(vis_css, "style"), _inline(app_css, "style")
    policy = content_security_policy([script_hash(vis_js), script_hash(app_js)],
                                      [script_hash(vis_css), script_hash(app_css)])
    values = {
        "CSP": html.escape(policy),
        "GENERATOR": html.escape(f"myoclonus-kg {__version__} (vis-network {VIS_VERSION})"),
        "TITLE": html.escape(view.title),
        "VIS_CSS": vis_css,
        "APP_CSS": app_css,
        "DATA": json_for_script(view.to_data()),
        "VIS_JS": vis_js,
        "APP_JS": app_js,
    }
    missing = set(values) - set(_PLACEHOLDER.findall(template))
    if missing:
        raise KGError(f"the page template lacks {', '.join(sorted(missing))}")
    # One pass: text put in is never scanned for placeholders again.
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def write_html(view: ViewData, path: Path | str) -> Path:
    """Write the page for ``view`` to ``path`` (UTF-8) and return the path.

    Raises
    ------
    KGError
        If the file cannot be written.

    Examples
    --------
    >>> import tempfile
    >>> from kg.viz.model import build_view
    >>> import networkx as nx
    >>> out = write_html(build_view(nx.MultiDiGraph([("a", "b")])), tempfile.mkdtemp() + "/g.html")
    >>> out.stat().st_size > 100_000
    True
    """
    target = Path(path)
    try:
        target.write_text(render_html(view), encoding="utf-8")
    except OSError as exc:
        raise KGError(f"{target}: cannot write the page: {exc}") from None
    return target
