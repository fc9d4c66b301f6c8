"""Who said what, as the adjudicator may see it: real names, or with `--anonymous` stable
stand-ins ("annotator 1", "annotator 2", … by registration order) so that an adjudicator can
weigh labels without weighing people. The adjudicator is always "you"."""

from __future__ import annotations

from polyjudge.safe_text import one_line
from polyjudge.store import Annotator, Project


class Names:
    def __init__(self, project: Project, me: Annotator | None, anonymous: bool) -> None:
        self.project = project
        self.me = me
        self.anonymous = anonymous
        self._by_id: dict[int, Annotator] = {}
        self._numbers: dict[int, int] = {}
        self.reload()

    def reload(self) -> None:
        others = [a for a in self.project.annotators.all() if not self.me or a.id != self.me.id]
        self._by_id = {a.id: a for a in others}
        self._numbers = {a.id: i for i, a in enumerate(others, start=1)}

    def of_id(self, annotator_id: int) -> str:
        if self.me is not None and annotator_id == self.me.id:
            return "you"
        if annotator_id not in self._by_id:
            self.reload()
        if self.anonymous:
            number = self._numbers.get(annotator_id)
            return f"annotator {number}" if number is not None else "another annotator"
        found = self._by_id.get(annotator_id)
        return one_line(found.name, 24) if found else f"annotator #{annotator_id}"

    def of_name(self, name: str) -> str:
        """For tables keyed by annotator name (the report's progress block)."""
        if self.me is not None and name == self.me.name:
            return "you"
        for annotator_id, annotator in self._by_id.items():
            if annotator.name == name:
                return self.of_id(annotator_id)
        self.reload()
        for annotator_id, annotator in self._by_id.items():
            if annotator.name == name:
                return self.of_id(annotator_id)
        return "another annotator" if self.anonymous else one_line(name, 24)
