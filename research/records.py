"""The paper record the engine reads: one PubMed citation as plain, typed, JSON-safe data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class AbstractSection:
    """One labelled part of an abstract; unstructured abstracts are a single UNASSIGNED section."""

    category: str
    label: str
    text: str


@dataclass(frozen=True, slots=True)
class MeshTerm:
    """A MeSH heading; major when the descriptor or any of its qualifiers is a major topic."""

    descriptor: str
    major: bool
    qualifiers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PaperRecord:
    """One citation: identifiers, bibliographic data, abstract and indexing terms."""

    pmid: str
    title: str
    abstract: tuple[AbstractSection, ...] = ()
    doi: str = ""
    pmcid: str = ""
    authors: tuple[str, ...] = ()
    journal: str = ""
    year: int | None = None
    mesh: tuple[MeshTerm, ...] = ()
    publication_types: tuple[str, ...] = ()
    chemicals: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()

    def abstract_text(self) -> str:
        """The abstract as one string, sections separated by a space."""
        return " ".join(section.text for section in self.abstract if section.text)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict that from_dict turns back into an equal record."""
        return {
            "pmid": self.pmid,
            "title": self.title,
            "abstract": [
                {"category": s.category, "label": s.label, "text": s.text} for s in self.abstract
            ],
            "doi": self.doi,
            "pmcid": self.pmcid,
            "authors": list(self.authors),
            "journal": self.journal,
            "year": self.year,
            "mesh": [
                {"descriptor": m.descriptor, "major": m.major, "qualifiers": list(m.qualifiers)}
                for m in self.mesh
            ],
            "publication_types": list(self.publication_types),
            "chemicals": list(self.chemicals),
            "keywords": list(self.keywords),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PaperRecord:
        """Rebuild a record from to_dict output; missing optional keys take their defaults."""
        year = data.get("year")
        return cls(
            pmid=str(data["pmid"]),
            title=str(data.get("title", "")),
            abstract=tuple(
                AbstractSection(
                    category=str(s.get("category") or "UNASSIGNED"),
                    label=str(s.get("label", "")),
                    text=str(s.get("text", "")),
                )
                for s in data.get("abstract", ())
            ),
            doi=str(data.get("doi", "")),
            pmcid=str(data.get("pmcid", "")),
            authors=tuple(str(a) for a in data.get("authors", ())),
            journal=str(data.get("journal", "")),
            year=int(year) if year is not None else None,
            mesh=tuple(
                MeshTerm(
                    descriptor=str(m["descriptor"]),
                    major=bool(m.get("major", False)),
                    qualifiers=tuple(str(q) for q in m.get("qualifiers", ())),
                )
                for m in data.get("mesh", ())
            ),
            publication_types=tuple(str(p) for p in data.get("publication_types", ())),
            chemicals=tuple(str(c) for c in data.get("chemicals", ())),
            keywords=tuple(str(k) for k in data.get("keywords", ())),
        )


def jsonable(value: Any) -> Any:
    """Dataclasses to dicts and tuples to lists, recursively: what to_dict methods return."""
    if hasattr(value, "__dataclass_fields__"):
        return {name: jsonable(getattr(value, name)) for name in value.__dataclass_fields__}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value
