"""The maladministration taxonomy: stable label ids, names and definitions.

The forms follow the Ombudsman RI taxonomy of maladministration (UU No. 37/2008 on the Ombudsman,
Pasal 1 angka 3, and the Ombudsman's report-handling regulations), plus one label for messages that
are not a maladministration report.

The taxonomy carries a schema version (:data:`TAXONOMY_VERSION`). Saved models record the version
they were trained with, so a later taxonomy (for example one that adds the newer form
*pengabaian kewajiban hukum*) can be introduced under a new version without breaking them: a model
is always interpreted with the label set stored in its own card.

Examples
--------
>>> from maladmin_nlp.taxonomy import LABELS, get_label
>>> LABELS[0]
'penundaan_berlarut'
>>> get_label("permintaan_imbalan").name_id
'Permintaan Imbalan Uang, Barang dan Jasa'
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LABELS", "NOT_MALADMINISTRATION", "TAXONOMY_VERSION", "Label", "all_labels", "get_label", "label_name"]

TAXONOMY_VERSION = "1"
"""Schema version of the label set below. Bump it when ids are added, removed or redefined."""


@dataclass(frozen=True)
class Label:
    """One label of the taxonomy.

    Attributes
    ----------
    id : str
        Stable identifier used in data files and model outputs.
    name_id : str
        Indonesian name, as the Ombudsman writes it.
    name_en : str
        English name.
    definition : str
        One-paragraph definition (English), with what the label is not.
    is_maladministration : bool
        False only for ``bukan_maladministrasi``.
    """

    id: str
    name_id: str
    name_en: str
    definition: str
    is_maladministration: bool = True


_LABELS: tuple[Label, ...] = (
    Label(
        "penundaan_berlarut",
        "Penundaan Berlarut",
        "Undue delay",
        "A service that was applied for or has started is dragged on beyond the time promised or set by the "
        "rules, or is repeatedly postponed without a valid reason: an e-KTP, a land certificate, a benefit "
        "payment or a permit that is 'still in process' months later, a citizen told again and again to come "
        "back next week. Not this label: a service refused or ignored outright (tidak_memberikan_pelayanan) or a "
        "delay used to extract money (permintaan_imbalan, with this label secondary).",
    ),
    Label(
        "tidak_memberikan_pelayanan",
        "Tidak Memberikan Pelayanan",
        "Failure to provide service",
        "The service is not given at all: an office closed in service hours, an absent officer, a request, "
        "letter or earlier report left without any response, a refusal without legal basis, a phone line or "
        "hotline that is never answered, neglect of a duty. Not this label: a first report of a condition "
        "(bukan_maladministrasi) or a service that has started and drags on (penundaan_berlarut).",
    ),
    Label(
        "penyimpangan_prosedur",
        "Penyimpangan Prosedur",
        "Deviation from procedure",
        "The official procedure is not followed: steps skipped or added, requirements demanded that the "
        "regulation does not set, a queue bypassed, no official receipt, a decision taken without the process "
        "the rules require (notice, hearing, measurement, announcement). Not this label: money demanded beyond "
        "the tariff (permintaan_imbalan) or power used for a purpose it was not given for "
        "(penyalahgunaan_wewenang).",
    ),
    Label(
        "penyalahgunaan_wewenang",
        "Penyalahgunaan Wewenang",
        "Abuse of authority",
        "An official uses the power of the office beyond its limits or for a purpose it was not given for: "
        "arbitrary seizures or revocations, intimidation and threats backed by position, using office "
        "facilities, budget or subordinates for private ends, ordering what the office may not order. Not this "
        "label: the official's own interest in a decision (konflik_kepentingan) or a skipped step "
        "(penyimpangan_prosedur).",
    ),
    Label(
        "tidak_kompeten",
        "Tidak Kompeten",
        "Incompetence",
        "Officers lack the skill or knowledge the service needs: wrong data written on documents, contradictory "
        "or wrong information, inability to operate the system, botched technical work, repeated errors. Not "
        "this label: rudeness (tidak_patut) or deliberate refusal (tidak_memberikan_pelayanan).",
    ),
    Label(
        "permintaan_imbalan",
        "Permintaan Imbalan Uang, Barang dan Jasa",
        "Request for money, goods or services",
        "Money, goods or services are asked for beyond the official tariff, or for a service that is free: "
        "pungli, 'uang rokok', 'uang pelicin', fees to speed things up, compulsory 'donations' in schools, "
        "levies for being listed for aid, illegal parking levies at public facilities. When a delay is used to "
        "extract money, this is the primary label and penundaan_berlarut is secondary.",
    ),
    Label(
        "tidak_patut",
        "Tidak Patut",
        "Improper conduct",
        "Conduct that is improper for a public servant: rudeness, shouting, insults, mockery, harassment, "
        "arrogance, playing on a phone or smoking while citizens wait, unprofessional behaviour. Not this label: "
        "a refusal of service (tidak_memberikan_pelayanan), even when it is rude, unless the conduct is the main "
        "grievance.",
    ),
    Label(
        "diskriminasi",
        "Diskriminasi",
        "Discrimination",
        "Unequal treatment of citizens because of who they are: religion, ethnicity, gender, age, disability, "
        "economic status (e.g. subsidised BPJS PBI patients treated worse), origin or domicile, political "
        "choice. Not this label: favouring one party in a matter between parties (berpihak).",
    ),
    Label(
        "berpihak",
        "Berpihak",
        "Partiality",
        "The official takes one side in a matter between parties that the official should treat neutrally: a "
        "land or boundary dispute, a police case, a labour mediation, a dispute between traders or neighbours. "
        "Not this label: the official's own interest in the outcome (konflik_kepentingan).",
    ),
    Label(
        "konflik_kepentingan",
        "Konflik Kepentingan",
        "Conflict of interest",
        "The official's own interest (family, business, financial, political) influences a decision: relatives "
        "winning tenders, projects given to the official's own company, referrals to the official's own "
        "practice, nepotism in recruitment, compulsory purchases from the official's shop.",
    ),
    Label(
        "bukan_maladministrasi",
        "Bukan Maladministrasi",
        "Not maladministration",
        "The message reports no maladministration: questions and information requests, praise, suggestions, "
        "requests for help, disputes between citizens, complaints purely about private businesses outside "
        "public service, spam, and first reports of a condition (a pothole, a street light that is off, "
        "uncollected rubbish) that describe no failure of the provider.",
        is_maladministration=False,
    ),
)

LABELS: tuple[str, ...] = tuple(label.id for label in _LABELS)
"""The 11 label ids, in their stable order."""

NOT_MALADMINISTRATION = "bukan_maladministrasi"
"""The id of the one label that is not a form of maladministration."""

_BY_ID = {label.id: label for label in _LABELS}


def all_labels() -> tuple[Label, ...]:
    """Return every :class:`Label` record, in the order of :data:`LABELS`.

    Examples
    --------
    >>> len(all_labels())
    11
    """
    return _LABELS


def get_label(label_id: str) -> Label:
    """Return the full record of a label id.

    Parameters
    ----------
    label_id : str
        One of :data:`LABELS`.

    Returns
    -------
    Label

    Raises
    ------
    KeyError
        If the id is not part of this taxonomy; the message lists the valid ids.

    Examples
    --------
    >>> get_label("tidak_patut").name_en
    'Improper conduct'
    """
    try:
        return _BY_ID[label_id]
    except KeyError:
        raise KeyError(
            f"Unknown label {label_id!r} (taxonomy version {TAXONOMY_VERSION}). Valid labels: {', '.join(LABELS)}"
        ) from None


def label_name(label_id: str) -> str:
    """Indonesian name of a label, or the id itself for labels outside this taxonomy.

    Models retrained on a user's own label set keep working: their labels are shown as given.

    Examples
    --------
    >>> label_name("berpihak")
    'Berpihak'
    >>> label_name("label_saya")
    'label_saya'
    """
    label = _BY_ID.get(label_id)
    return label.name_id if label is not None else label_id
