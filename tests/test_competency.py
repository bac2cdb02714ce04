"""The public competency questions, each answered by a named .rq query kept in the repo."""

from __future__ import annotations

import pytest

from kg.resources import article_path


def labels(result, column="label") -> set[str]:
    return {v.casefold() for v in result.column(column)}


def test_q1_kinds_of_myoclonus(real_graph):
    kinds = labels(real_graph.named("myoclonus-kinds"))
    expected = {"action myoclonus", "cortical reflex myoclonus", "essential myoclonus", "palatal myoclonus",
                "reticular reflex myoclonus", "stimulus-sensitive myoclonus", "sleep myoclonus",
                "positive myoclonus", "negative myoclonus"}
    assert expected <= kinds
    # Only kinds of myoclonus: the diseases, the disease groups and the causes stay out
    # (progressive myoclonus epilepsy is a group of diseases with myoclonus, not a kind of it).
    assert not kinds & {"lafora body disease", "epilepsy", "hypoxia", "brain hypoxia",
                        "progressive myoclonus epilepsy"}


def test_q2_causes(real_graph):
    causes = labels(real_graph.named("myoclonus-causes"))
    expected = {"infection", "head injury", "spinal cord injury", "stroke", "brain tumour", "kidney failure",
                "liver failure", "lipid storage disease", "chemical or drug poisoning"}
    assert expected <= causes
    assert any("hypoxia" in c for c in causes)


def test_q3_first_choice_for_action_myoclonus(real_graph):
    result = real_graph.named("first-line-drug", {"type": "mk:action_myoclonus"})
    assert labels(result) == {"clonazepam"}
    # the garbled "effect myoclonus" is quoted, and the correction says what it means
    quote, correction = result.to_dicts()[0]["quote"], result.to_dicts()[0]["correction"]
    assert "effect myoclonus" in quote and "action" in correction


def test_q4_clonazepam_side_effects(real_graph):
    assert labels(real_graph.named("adverse-effects", {"drug": "clonazepam"})) == {
        "drowsiness", "incoordination", "drug tolerance", "adverse drug reaction"}


def test_q5_drugs_also_antiepileptic(real_graph):
    assert labels(real_graph.named("antiepileptic-drugs")) == {"barbiturates", "levetiracetam", "phenytoin",
                                                              "primidone"}


def test_q6_autosomal_recessive_pme(real_graph):
    assert labels(real_graph.named("pme-inheritance")) == {"lafora body disease"}


def test_q7_receptors(real_graph):
    found = labels(real_graph.named("implicated-receptors"))
    assert {label.replace(" receptor", "") for label in found} == {"serotonin", "gaba", "opioid", "glycine",
                                                                  "neurotransmitters"}


def test_q8_triggers_of_stimulus_sensitive_myoclonus(real_graph):
    assert labels(real_graph.named("triggers")) == {"noise", "movement", "light", "surprise"}


def test_q9_forms_in_healthy_people(real_graph):
    assert labels(real_graph.named("healthy-people-forms")) == {"hiccup", "sleep starts"}


def test_q10_nervous_system_disorders_with_myoclonus(real_graph):
    found = labels(real_graph.named("disorders-with-myoclonus"))
    assert {"multiple sclerosis", "parkinson's disease", "alzheimer's disease", "creutzfeldt-jakob disease",
            "epilepsy"} <= found


def test_q11_sentence_behind_phenytoin_liver_failure(real_graph):
    rows = real_graph.named("evidence").to_dicts()
    assert len(rows) == 1
    row = rows[0]
    article = article_path().read_text(encoding="utf-8")
    assert "phenytoin may cause liver failure" in row["quote"]
    assert article[row["start"]:row["end"]] == row["quote"]
    assert row["source"].endswith("/source/what-is-myoclonus")


@pytest.mark.parametrize("name", ["myoclonus-kinds", "myoclonus-causes", "first-line-drug", "adverse-effects",
                                  "antiepileptic-drugs", "pme-inheritance", "implicated-receptors", "triggers",
                                  "healthy-people-forms", "disorders-with-myoclonus", "evidence"])
def test_competency_queries_are_files_in_the_repo(name):
    from kg.query.library import get_query

    query = get_query(name)
    assert query.path is not None and query.path.suffix == ".rq" and query.title
