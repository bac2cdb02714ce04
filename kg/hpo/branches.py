"""The two HPO branches the import takes: myoclonus, and the myoclonic seizures.

HPO files myoclonus (HP:0001336) under *Involuntary movements* and the myoclonic seizures under
*Seizure* (HP:0001250), in several places: HP:0032794 *Myoclonic seizure* gathers only some of
them (generalized and focal myoclonic seizures, eyelid myoclonia), while the myoclonic absence
seizure, the myoclonic-atonic and myoclonic-tonic-clonic seizures, the neonatal myoclonic
seizures, the focal motor seizure with negative myoclonus and myoclonic status epilepticus sit
under other seizure terms. :data:`MYOCLONIC_SEIZURE_ROOTS` lists the top-most of them: the
seizure terms (descendants of HP:0001250) whose HPO name says *myoclon*, none below another
(the tests recompute the list from ``hp.obo`` with that rule). The branch is those roots and all
their descendants.

The branch is linked to myoclonus, not merged into it: its terms are typed
``mkv:MyoclonicSeizureType`` (never ``mkv:MyoclonusType``, so they are not kinds of myoclonus),
and each root gets one edge ``root mkv:manifestsAs <myoclonus>`` (a myoclonic seizure shows
itself as myoclonic jerks), reified with evidence code :data:`BRANCH_EVIDENCE` and the root's
own HP id and definition references as publications.

Examples
--------
>>> "HP:0032794" in MYOCLONIC_SEIZURE_ROOTS and "HP:0032667" in MYOCLONIC_SEIZURE_ROOTS
True
>>> MYOCLONUS
'HP:0001336'
"""

from __future__ import annotations

__all__ = ["MYOCLONUS", "SEIZURE", "MYOCLONIC_SEIZURE_ROOTS", "BRANCH_EVIDENCE"]

#: Root of the myoclonus branch.
MYOCLONUS = "HP:0001336"
#: Seizure: every myoclonic seizure root lies below it.
SEIZURE = "HP:0001250"
#: The top-most seizure terms named myoclonic, in hp.obo 2025-01-16 (checked by the tests).
MYOCLONIC_SEIZURE_ROOTS: tuple[str, ...] = (
    "HP:0011150",  # Myoclonic absence seizure
    "HP:0011170",  # Generalized myoclonic-atonic seizure
    "HP:0032667",  # Myoclonic status epilepticus
    "HP:0032794",  # Myoclonic seizure (generalized, focal, eyelid myoclonia, ...)
    "HP:0032795",  # Generalized myoclonic-tonic-clonic seizure
    "HP:0032815",  # Neonatal electro-clinical myoclonic seizure
    "HP:0032846",  # Focal motor seizure with negative myoclonus
    "HP:0032865",  # Myoclonic absence status epilepticus
)
#: ``mkv:evidenceCode`` of the ``manifestsAs`` edges linking the branch to myoclonus.
BRANCH_EVIDENCE = "KG-BRANCH-RULE"
