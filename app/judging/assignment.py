"""Who reviews what: give every entry its judges, fairly, as plain functions over plain data.

The rule, as a sponsor reads it: each entry gets up to ``k`` different judges; no judge ever sees an entry
they are conflicted with, nor more entries than the maximum they agreed to. Within those limits, as many
reviews as possible are handed out; then the work is spread so that no judge carries two or more entries
more than a colleague who could have taken one of them; then whatever the panel was already given is kept
wherever it is still allowed, so a recusal or a new judge moves as few reviews as possible; and only then
are judges matched to the entries closest to their expertise. Among equally loaded judges a fixed shuffle
decides, so that judges share entries with many different colleagues (calibration compares judges through
the entries they have in common); other ties go to the lowest ids. The same inputs always give the same
assignment.

How: kept pairs first, then a greedy pass that hands out the best-matching pairs without letting anyone
run ahead of a fair share, then a least-loaded pass by rounds; augmenting paths (as in a max-flow) then
reach any review the greedy passes could not place, and shortest exchange paths move single entries from
the busiest judges to the least busy until no such move exists. Nothing here touches Flask or the database.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Generic, TypeVar

J = TypeVar("J", bound=Hashable)  # a judge id
E = TypeVar("E", bound=Hashable)  # an entry id
T = TypeVar("T", bound=Hashable)

_MASK64 = (1 << 64) - 1

# One step of an exchange path, in board indices: the entry leaves the giver (None: it was unreviewed)
# and goes to the taker.
_Move = tuple[int | None, int, int]


class AssignmentError(ValueError):
    """The inputs cannot describe a panel: a negative k or cap, or an entry listed twice."""


@dataclass(frozen=True)
class Assignment(Generic[J, E]):
    """Which judge reviews which entry, and which entries are still short of judges."""

    pairs: frozenset[tuple[J, E]]
    missing: dict[E, int] = field(default_factory=dict)  # entry -> judges it still lacks; empty if none
    judges: tuple[J, ...] = ()  # the whole panel in id order, so judges given nothing still show in loads()

    def loads(self) -> dict[J, int]:
        """How many entries each judge reviews, including judges who were given none."""
        counts: dict[J, int] = dict.fromkeys(self.judges, 0)
        for judge_id, _entry_id in self.pairs:
            counts[judge_id] = counts.get(judge_id, 0) + 1
        return counts

    def judges_of(self, entry_id: E) -> frozenset[J]:
        """The judges who review one entry."""
        return self._judges_by_entry.get(entry_id, frozenset())

    @cached_property
    def _judges_by_entry(self) -> dict[E, frozenset[J]]:
        grouped: dict[E, set[J]] = {}
        for judge_id, entry_id in self.pairs:
            grouped.setdefault(entry_id, set()).add(judge_id)
        return {entry_id: frozenset(judges) for entry_id, judges in grouped.items()}


def _in_order(ids: Iterable[T]) -> list[T]:
    """Ids in their natural order, or by their printed form when they cannot be compared."""
    items = list(ids)
    try:
        return sorted(items)  # type: ignore[type-var]
    except TypeError:
        return sorted(items, key=repr)


def _scramble(*parts: int) -> int:
    """A fixed pseudo-random number for a few small integers (splitmix64 steps): the same on every run."""
    value = 0
    for part in parts:
        value = (value + part * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) & _MASK64
        value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
        value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK64
        value ^= value >> 31
    return value


def judges_needed(assignment: Assignment[J, E], *, load_per_judge: int | None = None) -> int:
    """How many more judges would let every entry be fully reviewed.

    Each newcomer reviews an entry at most once and takes up to ``load_per_judge`` entries (by default as
    many as the busiest judge on the panel has now), so it is the larger of what the entry short of the
    most judges needs and the missing reviews divided by that load, rounded up.
    """
    if not assignment.missing:
        return 0
    most = max(assignment.missing.values())
    total = sum(assignment.missing.values())
    per_judge = load_per_judge if load_per_judge is not None else max(assignment.loads().values(), default=0)
    if per_judge <= 0:  # nobody to compare with: assume a newcomer can take every short entry
        return most
    return max(most, math.ceil(total / per_judge))


def assign(
    entry_ids: Sequence[E],
    judge_caps: Mapping[J, int | None],
    k: int,
    *,
    conflicts: Iterable[tuple[J, E]] = (),
    affinity: Mapping[tuple[J, E], float] | None = None,
    judge_affinity: Mapping[J, float] | None = None,
    previous: Iterable[tuple[J, E]] | None = None,
) -> Assignment[J, E]:
    """Give each entry up to ``k`` different judges, never a conflicted one, never beyond a judge's cap.

    In order of priority: cover as many (entry, judge) slots as the limits allow; spread the load so no
    judge has two or more entries more than one who could have taken one of theirs (a capped judge may sit
    lower only because of the cap); keep the ``previous`` pairs that are still allowed, moving as few as
    that spread requires; and prefer pairs with a higher ``affinity`` (absent means 0). ``judge_affinity``
    gives a judge the same affinity for every entry (their expertise against the challenge's), as if
    each of their pairs were listed in ``affinity``, without listing millions of pairs; a pair's own
    non-zero ``affinity`` takes its place. A cap of None means no cap. The same inputs, in any order,
    give the same assignment.
    """
    if k < 0:
        raise AssignmentError(f"Each entry needs zero or more judges, not {k}.")
    entries = _in_order(entry_ids)
    if len(set(entries)) != len(entries):
        raise AssignmentError("An entry is listed twice.")
    judges = _in_order(judge_caps)
    for judge_id in judges:
        cap = judge_caps[judge_id]
        if cap is not None and cap < 0:
            raise AssignmentError(f"Judge {judge_id!r} has a negative maximum load ({cap}).")

    board = _Board(entries, judges, judge_caps, k, conflicts, affinity or {}, judge_affinity or {})
    board.keep(previous or ())
    board.fill()
    board.complete()
    board.balance()
    board.restore()
    return board.result()


class _Board(Generic[J, E]):
    """The assignment being built, on indices: judges and entries are numbered in id order."""

    def __init__(
        self,
        entries: list[E],
        judges: list[J],
        judge_caps: Mapping[J, int | None],
        k: int,
        conflicts: Iterable[tuple[J, E]],
        affinity: Mapping[tuple[J, E], float],
        judge_affinity: Mapping[J, float],
    ) -> None:
        self.entries = entries
        self.judges = judges
        self.k = k
        self.judge_index: dict[J, int] = {judge_id: i for i, judge_id in enumerate(judges)}
        self.entry_index: dict[E, int] = {entry_id: i for i, entry_id in enumerate(entries)}
        self.blocked: list[set[int]] = [set() for _ in entries]  # per entry: conflicted judges
        free = [len(entries)] * len(judges)  # per judge: entries they may review at all
        for judge_id, entry_id in conflicts:
            pair = self._indices(judge_id, entry_id)
            if pair is not None and pair[0] not in self.blocked[pair[1]]:
                self.blocked[pair[1]].add(pair[0])
                free[pair[0]] -= 1
        # A judge can never hold more than the entries they are free to review, whatever their cap.
        self.cap = [
            free[i] if judge_caps[judge_id] is None else min(free[i], judge_caps[judge_id] or 0)
            for i, judge_id in enumerate(judges)
        ]
        # Per entry: judge -> weight, non-zero. Entries share one dict of the judges' own weights until
        # a pair of theirs has a weight of its own (copy on write); the dicts are never changed later.
        shared = {
            self.judge_index[judge_id]: weight
            for judge_id, weight in judge_affinity.items()
            if judge_id in self.judge_index and weight
        }
        self.shared = shared
        self.affinity: list[dict[int, float]] = [shared] * len(entries)
        for (judge_id, entry_id), weight in affinity.items():
            pair = self._indices(judge_id, entry_id)
            if pair is not None and weight:
                if self.affinity[pair[1]] is shared:
                    self.affinity[pair[1]] = dict(shared)
                self.affinity[pair[1]][pair[0]] = weight
        self.on: list[set[int]] = [set() for _ in entries]  # per entry: its judges
        self.holds: list[set[int]] = [set() for _ in judges]  # per judge: their entries
        self.load = [0] * len(judges)
        self.earlier: set[tuple[int, int]] = set()  # (judge, entry) pairs from `previous` still allowed
        self.kept: set[tuple[int, int]] = set()  # those of them assigned now
        self.earlier_on: list[set[int]] = [set() for _ in entries]  # per entry: judges in `earlier`
        self.fresh: list[set[int]] = [set() for _ in judges]  # per judge: entries given in this run
        # Hardest entries first: the fewest judges free to review them, then id order.
        self.order = sorted(range(len(entries)), key=lambda e: (len(judges) - len(self.blocked[e]), e))

    def _indices(self, judge_id: J, entry_id: E) -> tuple[int, int] | None:
        judge = self.judge_index.get(judge_id)
        entry = self.entry_index.get(entry_id)
        return None if judge is None or entry is None else (judge, entry)

    def _weight(self, judge: int, entry: int) -> float:
        return self.affinity[entry].get(judge, 0)

    def _may_take(self, judge: int, entry: int) -> bool:
        return judge not in self.on[entry] and judge not in self.blocked[entry]

    def _add(self, judge: int, entry: int) -> None:
        self.on[entry].add(judge)
        self.holds[judge].add(entry)
        self.load[judge] += 1
        if (judge, entry) in self.earlier:
            self.kept.add((judge, entry))
        else:
            self.fresh[judge].add(entry)

    def _remove(self, judge: int, entry: int) -> None:
        self.on[entry].discard(judge)
        self.holds[judge].discard(entry)
        self.load[judge] -= 1
        self.kept.discard((judge, entry))
        self.fresh[judge].discard(entry)

    def _apply(self, path: list[_Move]) -> None:
        for giver, entry, taker in path:
            if giver is not None:
                self._remove(giver, entry)
            self._add(taker, entry)

    def keep(self, previous: Iterable[tuple[J, E]]) -> None:
        """Carry over previous pairs still allowed. Where k shrank, an entry lets go of its busiest judges
        first; where a cap shrank, a judge keeps their best-matched entries."""
        for judge_id, entry_id in previous:
            pair = self._indices(judge_id, entry_id)
            if pair is not None and pair[0] not in self.blocked[pair[1]]:
                self.earlier.add(pair)
                self.earlier_on[pair[1]].add(pair[0])
        counts = [0] * len(self.judges)
        by_entry: dict[int, list[int]] = {}
        for judge, entry in self.earlier:
            counts[judge] += 1
            by_entry.setdefault(entry, []).append(judge)
        surplus: set[tuple[int, int]] = set()
        for entry in sorted(by_entry):
            judges = by_entry[entry]
            while len(judges) > self.k:
                busiest = max(judges, key=lambda judge: (counts[judge], -self._weight(judge, entry), judge))
                judges.remove(busiest)
                counts[busiest] -= 1
                surplus.add((busiest, entry))
        for judge, entry in sorted(self.earlier - surplus, key=lambda p: (-self._weight(*p), p[1], p[0])):
            if self.load[judge] < self.cap[judge]:
                self._add(judge, entry)

    def _fair_share(self, total: int) -> tuple[list[int], list[bool], int]:
        """Per judge the load they may reach freely, whether they may go one above it, and how many may.

        This is water-filling: the lowest level L at which the judges, each up to min(cap, L), could
        carry ``total`` reviews; everyone may reach L - 1 (or their cap), and just enough may reach L.
        """
        low, high = 0, max(self.cap, default=0)
        while low < high:
            mid = (low + high) // 2
            if sum(min(cap, mid) for cap in self.cap) >= total:
                high = mid
            else:
                low = mid + 1
        level = low
        base = [min(cap, level - 1) for cap in self.cap]
        may_top = [cap >= level for cap in self.cap]
        return base, may_top, max(0, total - sum(base))

    def fill(self) -> None:
        """Hand out the open slots: best matches first up to a fair share, then least-loaded by rounds."""
        k, judge_count = self.k, len(self.judges)
        demand = sum(
            max(0, min(k, judge_count - len(self.blocked[e])) - len(self.on[e]))
            for e in range(len(self.entries))
        )
        if demand == 0:
            return
        if any(self.affinity):
            self._fill_by_affinity(sum(self.load) + demand)
        self._fill_least_loaded()

    def _fill_by_affinity(self, total: int) -> None:
        """Best matches first, each judge up to their fair share: pairs by weight, then entry, then judge.

        Every judge may reach ``base``, and ``tops`` of those allowed one more. The pairs come in
        that order from ``_by_weight`` without sorting the millions a whole panel's expertise makes.
        """
        base, may_top, tops = self._fair_share(total)
        at_top = sum(1 for judge, load in enumerate(self.load) if may_top[judge] and load > base[judge])

        def may_grow(judge: int) -> bool:  # once False, False for the rest of this pass
            load = self.load[judge]
            return load < base[judge] or (load == base[judge] and may_top[judge] and at_top < tops)

        for _, entry, judge in self._by_weight(may_grow):
            if len(self.on[entry]) >= self.k or not self._may_take(judge, entry) or not may_grow(judge):
                continue
            if self.load[judge] == base[judge]:
                at_top += 1
            self._add(judge, entry)

    def _by_weight(self, may_grow: Callable[[int], bool]) -> Iterator[tuple[float, int, int]]:
        """(-weight, entry, judge) for every pair with a positive weight, in ascending order, lazily.

        Entries sharing the judges' own weights (``_Board.shared``) are walked level by level, in
        entry then judge order, skipping entries already full and judges that can take no more (both
        only ever fill up during the pass); entries with weights of their own are sorted, and the two
        streams merged. The caller checks each pair again when it arrives.
        """
        shared = self.shared
        levels: dict[float, list[int]] = {}
        for judge, weight in shared.items():
            if weight > 0:
                levels.setdefault(-weight, []).append(judge)

        def common() -> Iterator[tuple[float, int, int]]:
            for level in sorted(levels):
                judges = sorted(levels[level])
                for entry, weights in enumerate(self.affinity):
                    if not judges:
                        break
                    if weights is not shared:
                        continue
                    stalled = False
                    for judge in judges:
                        if len(self.on[entry]) >= self.k:
                            break
                        if not may_grow(judge):
                            stalled = True
                            continue
                        yield (level, entry, judge)
                    if stalled:
                        judges = [judge for judge in judges if may_grow(judge)]

        own = sorted(
            (-weight, entry, judge)
            for entry, weights in enumerate(self.affinity)
            if weights is not shared and len(self.on[entry]) < self.k
            for judge, weight in weights.items()
            if weight > 0
        )
        return heapq.merge(common(), own)

    def _fill_least_loaded(self) -> None:
        stuck: set[int] = set()
        for round_number in range(1, self.k + 1):
            heap = [
                (load, _scramble(round_number, load, judge), judge)
                for judge, load in enumerate(self.load)
                if load < self.cap[judge]
            ]
            heapq.heapify(heap)
            for entry in self.order:
                if len(self.on[entry]) >= round_number or entry in stuck:
                    continue
                judge = self._least_loaded(entry, heap)
                if judge is None:
                    stuck.add(entry)
                    continue
                self._add(judge, entry)
                load = self.load[judge]
                if load < self.cap[judge]:
                    heapq.heappush(heap, (load, _scramble(round_number, load, judge), judge))

    def _least_loaded(self, entry: int, heap: list[tuple[int, int, int]]) -> int | None:
        """The least-loaded judge free to take the entry; among equals the best match, then a fixed shuffle.

        The shuffle changes with the round and the load level, so that judges share entries with many
        different colleagues: calibration compares judges through the entries they have in common, and a
        plain id order would pair the same judges again and again, splitting the panel into islands.
        """
        weights = self.affinity[entry]
        aside: list[tuple[int, int, int]] = []
        chosen: int | None = None
        chosen_weight: float = 0
        chosen_load = -1
        while heap:
            load, _, judge = heap[0]
            if load != self.load[judge] or load >= self.cap[judge]:
                heapq.heappop(heap)  # stale: a fresher item for this judge is in the heap, or none is due
                continue
            if chosen is not None and load > chosen_load:
                break
            aside.append(heapq.heappop(heap))
            if not self._may_take(judge, entry):
                continue
            weight = weights.get(judge, 0)
            if chosen is None:
                chosen, chosen_weight, chosen_load = judge, weight, load
                for other in sorted(weights):
                    if (
                        weights[other] > chosen_weight
                        and self.load[other] == load
                        and load < self.cap[other]
                        and self._may_take(other, entry)
                    ):
                        chosen, chosen_weight = other, weights[other]
            elif weight > chosen_weight:
                chosen, chosen_weight = judge, weight
            if chosen_weight >= 0:  # only a disliked pair is worth looking past
                break
        for item in aside:
            if item[2] != chosen:
                heapq.heappush(heap, item)
        return chosen

    def _shortest_path(
        self,
        roots: Sequence[int],
        is_target: Callable[[int], bool],
        *,
        seed_entry: int | None = None,
        dead: set[int] | None = None,
        fresh_only: bool = False,
    ) -> list[_Move] | None:
        """The shortest chain of single-entry hand-overs from a root judge (or into the seed entry) that
        ends at a target judge; every judge on the way keeps their load, the root loses one, the target
        gains one. With ``fresh_only``, kept pairs are never handed over. Breadth-first over judges; each
        entry is looked at once, and judges still unreached are kept in one list, so a dense panel is
        crossed in about one sweep.
        """
        root_set = set(roots)
        reached = root_set | (dead or set())
        unreached = [judge for judge in range(len(self.judges)) if judge not in reached]
        parent: dict[int, tuple[int | None, int]] = {}
        looked_at: set[int] = set()
        queue: deque[int] = deque(roots)

        def spread(giver: int | None, entry: int) -> int | None:
            nonlocal unreached
            looked_at.add(entry)
            on, blocked = self.on[entry], self.blocked[entry]
            left: list[int] = []
            for position, judge in enumerate(unreached):
                if judge in on or judge in blocked:
                    left.append(judge)
                    continue
                parent[judge] = (giver, entry)
                reached.add(judge)
                if is_target(judge):
                    unreached = left + unreached[position + 1 :]
                    return judge
                queue.append(judge)
            unreached = left
            return None

        found = spread(None, seed_entry) if seed_entry is not None else None
        while found is None and queue and unreached:
            giver = queue.popleft()
            # Hand over fresh pairs before kept ones, and weak matches before strong ones.
            holds = self.fresh[giver] if fresh_only else self.holds[giver]
            for entry in sorted(holds, key=lambda e: ((giver, e) in self.kept, self._weight(giver, e), e)):
                if entry not in looked_at:
                    found = spread(giver, entry)
                    if found is not None or not unreached:
                        break
        if found is None:
            if dead is not None:
                dead |= reached - root_set
            return None
        path: list[_Move] = []
        judge = found
        while True:
            handed_by, handed = parent[judge]
            path.append((handed_by, handed, judge))
            if handed_by is None or handed_by in root_set:
                break
            judge = handed_by
        path.reverse()
        return path

    def complete(self) -> None:
        """Reach every review the greedy passes could not place, by augmenting paths as in a max-flow.

        Judges found unable to lead to spare room stay ruled out until the next success (Kuhn's rule).
        """
        dead: set[int] = set()

        def has_room(judge: int) -> bool:
            return self.load[judge] < self.cap[judge]

        for entry in self.order:
            while len(self.on[entry]) < self.k:
                path = self._shortest_path((), has_room, seed_entry=entry, dead=dead)
                if path is None:
                    break
                self._apply(path)
                dead.clear()

    def balance(self) -> None:
        """Move single entries from the busiest judges to ones two or more below them until none can move."""
        while True:
            open_loads = [load for judge, load in enumerate(self.load) if load < self.cap[judge]]
            if not open_loads:
                return
            floor = min(open_loads)
            levels = sorted({load for load in self.load if load >= floor + 2}, reverse=True)
            if not any(self._shift(level) for level in levels):
                return

    def _shift(self, level: int) -> bool:
        """Move load from judges at `level` to open judges at `level - 2` or below; True if anything moved.

        Direct hand-overs first: each judge at `level` gives one entry to the least-loaded judge free to
        take it (among equals, the one who matches it best), unless a judge who had that entry before can
        take it back. Hand-overs that keep the most previous pairs go first, then weak matches before
        strong ones. Failing any, one exchange path through other judges.
        """
        sources = [judge for judge, load in enumerate(self.load) if load == level]

        def is_target(judge: int) -> bool:
            return self.load[judge] <= level - 2 and self.load[judge] < self.cap[judge]

        targets = [(self.load[judge], judge) for judge in range(len(self.judges)) if is_target(judge)]
        if not targets:
            return False
        heapq.heapify(targets)

        def returns(entry: int) -> bool:
            return any(is_target(judge) and self._may_take(judge, entry) for judge in self.earlier_on[entry])

        offers = sorted(
            (
                int((giver, entry) in self.kept) - int(returns(entry)),
                self._weight(giver, entry),
                giver,
                entry,
            )
            for giver in sources
            for entry in self.holds[giver]
        )
        moved = False
        for _, _, giver, entry in offers:
            if self.load[giver] != level:
                continue
            taker = self._lowest_taker(entry, targets, is_target)
            if taker is not None:
                self._apply([(giver, entry, taker)])
                moved = True
                if is_target(taker):
                    heapq.heappush(targets, (self.load[taker], taker))
            if not targets:
                break
        if moved:
            return True
        path = self._shortest_path(sources, is_target)
        if path is None:
            return False
        self._apply(path)
        return True

    def _lowest_taker(
        self, entry: int, targets: list[tuple[int, int]], is_target: Callable[[int], bool]
    ) -> int | None:
        """A judge who had the entry before and may take it back, or else the least-loaded target judge free
        to take it; among equals the best match, then the lowest id."""
        returning = [
            (self.load[judge], judge)
            for judge in self.earlier_on[entry]
            if is_target(judge) and self._may_take(judge, entry)
        ]
        if returning:
            return min(returning)[1]
        aside: list[tuple[int, int]] = []
        chosen: int | None = None
        while targets:
            load, judge = targets[0]
            if load != self.load[judge] or not is_target(judge):
                heapq.heappop(targets)  # stale
                continue
            aside.append(heapq.heappop(targets))
            if self._may_take(judge, entry):
                chosen = judge
                break
        if chosen is not None:
            chosen_weight = self._weight(chosen, entry)
            for other in sorted(self.affinity[entry]):
                weight = self.affinity[entry][other]
                if (
                    weight > chosen_weight
                    and self.load[other] == self.load[chosen]
                    and is_target(other)
                    and self._may_take(other, entry)
                ):
                    chosen, chosen_weight = other, weight
        for item in aside:
            if item[1] != chosen:
                heapq.heappush(targets, item)
        return chosen

    def restore(self) -> None:
        """Win back previous pairs the passes above let go, where that costs no other kept pair and
        leaves the spread of loads as it is: the entry drops a newly given judge instead, and either the two
        judges' loads simply trade places or a chain of newly given pairs carries the difference back.
        """
        while True:
            won = False
            for judge, entry in sorted(
                self.earlier - self.kept, key=lambda p: (-self._weight(*p), p[1], p[0])
            ):
                fresh = sorted(other for other in self.on[entry] if (other, entry) not in self.kept)
                if fresh and (judge, entry) not in self.kept and self._win_back(judge, entry, fresh):
                    won = True
            if not won:
                return

    def _win_back(self, judge: int, entry: int, fresh: list[int]) -> bool:
        """Give the entry back to `judge` instead of one of its newly given judges, if no kept pair moves.

        Swapping makes `judge` one busier and the other one less busy; that is fine when their loads simply
        trade places. Otherwise a chain of fresh pairs must carry one entry from a judge now as busy as
        `judge` has become (`judge` itself, if capped) to one as idle as the other has become.
        """
        if judge in self.on[entry]:
            return False
        load_before = self.load[judge]
        for other in fresh:
            if self.load[other] == load_before + 1 and load_before < self.cap[judge]:
                self._apply([(other, entry, judge)])
                return True
        for other in fresh:
            other_after = self.load[other] - 1
            self._apply([(other, entry, judge)])
            if self.load[judge] <= self.cap[judge]:
                roots = [
                    busy for busy, load in enumerate(self.load) if load == load_before + 1 and busy != other
                ]
            else:
                roots = [judge]

            def restores(taker: int, *, level: int = other_after) -> bool:
                return taker != judge and self.load[taker] == level and self.load[taker] < self.cap[taker]

            path = self._shortest_path(roots, restores, fresh_only=True)
            if path is not None:
                self._apply(path)
                return True
            self._apply([(judge, entry, other)])
        return False

    def result(self) -> Assignment[J, E]:
        pairs = frozenset(
            (self.judges[judge], self.entries[entry]) for entry, on in enumerate(self.on) for judge in on
        )
        missing = {
            self.entries[entry]: self.k - len(on) for entry, on in enumerate(self.on) if len(on) < self.k
        }
        return Assignment(pairs=pairs, missing=missing, judges=tuple(self.judges))


def _under_cap(load: int, cap: int | None) -> bool:
    """Whether a judge holding ``load`` entries may take one more; a cap of None means no cap."""
    return cap is None or load < cap


def fill_gaps(
    needs: Mapping[E, int],
    loads: Mapping[J, int],
    judge_caps: Mapping[J, int | None],
    *,
    on_entry: Mapping[E, frozenset[J]],
    conflicts: Iterable[tuple[J, E]] = (),
) -> Assignment[J, E]:
    """Fill open review slots without moving anyone: used once judging has started.

    Judges may already be halfway through their reviews, so every existing pair stays. Each open
    slot goes to the least-loaded judge (counting the reviews they already hold) who is free to take
    that entry: not already on it, not conflicted, and under their cap. Entries are served in id
    order; slots nobody can take are reported as missing.
    """
    forbidden = set(conflicts)
    order = _in_order(judge_caps)
    current = {judge: loads.get(judge, 0) for judge in order}
    # The judges under their cap by (load, id order): the top one free to take an entry is the one a
    # scan of every judge would pick, found without looking at the others. A judge leaves at their cap.
    heap = [
        (current[judge], index)
        for index, judge in enumerate(order)
        if _under_cap(current[judge], judge_caps[judge])
    ]
    heapq.heapify(heap)
    pairs: set[tuple[J, E]] = set()
    missing: dict[E, int] = {}
    for entry in _in_order(needs):
        taken = set(on_entry.get(entry, frozenset()))
        for _ in range(needs[entry]):
            aside: list[tuple[int, int]] = []
            chosen: int | None = None
            while heap:
                item = heapq.heappop(heap)
                judge = order[item[1]]
                if judge in taken or (judge, entry) in forbidden:
                    aside.append(item)
                    continue
                chosen = item[1]
                break
            for item in aside:
                heapq.heappush(heap, item)
            if chosen is None:
                missing[entry] = missing.get(entry, 0) + 1
                continue
            judge = order[chosen]
            pairs.add((judge, entry))
            taken.add(judge)
            current[judge] += 1
            if _under_cap(current[judge], judge_caps[judge]):
                heapq.heappush(heap, (current[judge], chosen))
    return Assignment(frozenset(pairs), missing, judges=tuple(current))


def keep_and_fill(
    entries: Iterable[E],
    judge_caps: Mapping[J, int | None],
    judges_per_entry: int,
    *,
    active: Iterable[tuple[J, E]],
    conflicts: Iterable[tuple[J, E]] = (),
) -> Assignment[J, E]:
    """Once judging has started: keep every review already handed out that is still allowed, and fill
    the slots left open without moving anyone (``fill_gaps``).

    A pair is still allowed while its judge is on the panel (in ``judge_caps``), its entry is still in
    (in ``entries``) and no conflict forbids it; the rest are dropped. The result holds the kept pairs and
    the new ones, and reports what nobody could take as missing.
    """
    entry_ids = _in_order(entries)
    listed = set(entry_ids)
    forbidden = set(conflicts)
    kept = {
        (judge, entry)
        for judge, entry in active
        if judge in judge_caps and entry in listed and (judge, entry) not in forbidden
    }
    on_entry: dict[E, set[J]] = {}
    for judge, entry in kept:
        on_entry.setdefault(entry, set()).add(judge)
    needs = {
        entry: judges_per_entry - len(on_entry.get(entry, ()))
        for entry in entry_ids
        if len(on_entry.get(entry, ())) < judges_per_entry
    }
    loads: dict[J, int] = {}
    for judge, _ in kept:
        loads[judge] = loads.get(judge, 0) + 1
    filled = fill_gaps(
        needs,
        loads,
        judge_caps,
        on_entry={entry: frozenset(judges) for entry, judges in on_entry.items()},
        conflicts=forbidden,
    )
    return Assignment(frozenset(kept | filled.pairs), filled.missing, judges=filled.judges)
