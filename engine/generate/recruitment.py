"""The recruitment pipeline of every volunteer: medical examination organised by the recruiting province (体检),
recruitment agreement (招募协议书), confirmation notice (确认通知书), pre-departure training (离校前培训), leaving
university, service start (recruit_province-03, -04, university-03, -04, -05; the year's cohort are the cases).

Dates are laid back from the confirmation notice, each step within its limit of the next. A confirmation notice
another planter already wrote is kept (it is also the national office's duty, national-05): one it left blank or
after the service start breaks recruit_province-04 for the recruit's province, and is recorded as such.

Plants, each reading only what its own rule reads, applied in this order so that one recruit can carry several:
recruit_province-03 the exam organised by the university instead (the university rules do not ask who organised
it); recruit_province-04 the notice late after the agreement (still before service start); university-04 the exam
too long before the agreement; university-03 leaving university before the exam (training moved before it);
university-05 the pre-departure training missing or after leaving.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from westaudit.generate.base import Plant, Planter, World, sequence_ids
from westaudit.generate.sampling import days, one_row_per_office

NOTICE = "confirmation_notice_on"
FAILED_FIRST_EXAM_SHARE = 0.02


class RecruitmentPlanter(Planter):
    name = "recruitment"
    tables = ("medical_exams", "agreements", "trainings")
    rules = ("recruit_province-03", "recruit_province-04", "university-03", "university-04", "university-05")

    def build(self, world: World, rng: np.random.Generator) -> None:
        volunteers = world.tables["volunteers"]
        count = len(volunteers)
        ids = volunteers["volunteer_id"].to_numpy()
        university = volunteers["university_id"].to_numpy()
        province = world.org.universities.set_index("office_id")["province_id"].reindex(university).to_numpy()
        start = volunteers["service_start"].to_numpy().astype("datetime64[D]")
        recruit = (volunteers["cohort_year"] == world.year).to_numpy()
        given = NOTICE in volunteers
        notice = (volunteers[NOTICE].to_numpy().astype("datetime64[D]") if given
                  else start - days(rng, 20, 45, count))

        agreement_limit = int(world.parameters.value("recruitment_agreement_days", world.year))
        notice_limit = int(world.parameters.value("confirmation_notice_days", world.year))
        anchor = np.where(np.isnat(notice), start - days(rng, 20, 45, count), np.minimum(notice, start))
        agreement = anchor - days(rng, 0, notice_limit - 1, count)
        exam = agreement - days(rng, 1, agreement_limit - 1, count)
        # graduates leave between the exam and the day before they start serving
        leaving = exam + (rng.uniform(0.2, 0.9, count) * (start - exam).astype(int)).astype(int).astype("timedelta64[D]")
        training = leaving - days(rng, 1, 10, count)
        organiser = province.astype(object).copy()
        trained = np.ones(count, dtype=bool)

        plants: dict[tuple[str, str], list[str]] = {}
        why: dict[tuple[str, str], str] = {}

        def plant(rule: str, offices: np.ndarray, rows: np.ndarray, text: str) -> None:
            for row in rows:
                key = (rule, str(offices[row]))
                plants.setdefault(key, []).append(str(ids[row]))
                why.setdefault(key, f"{offices[row]} {text}（{ids[row]}）")

        broken = recruit & (np.isnat(notice) | (notice > start))
        for row in np.flatnonzero(broken):
            key = ("recruit_province-04", str(province[row]))
            plants.setdefault(key, []).append(str(ids[row]))
            why.setdefault(key, f"{province[row]} 入选志愿者未在到岗前发放确认通知书（{ids[row]}）")

        rows = self._violating_rows(world, rng, province, recruit)
        organiser[rows] = university[rows]
        plant("recruit_province-03", province, rows, "一名入选志愿者的体检由高校自行组织，未参加本省组织的体检")

        room = (start - agreement).astype(int)
        rows = self._violating_rows(world, rng, province, recruit & ~broken & (room > notice_limit))
        notice[rows] = agreement[rows] + (notice_limit + 1 + (rng.random(len(rows)) * (room[rows] - notice_limit))
                                          .astype(int)).astype("timedelta64[D]")
        plant("recruit_province-04", province, rows, f"一名志愿者签订招募协议后超过 {notice_limit} 天才发放确认通知书")

        rows = self._violating_rows(world, rng, university, recruit)
        exam[rows] = agreement[rows] - days(rng, agreement_limit + 1, 2 * agreement_limit, len(rows))
        plant("university-04", university, rows, f"一名入选毕业生体检合格超过 {agreement_limit} 天后才签订招募协议")

        rows = self._violating_rows(world, rng, university, recruit)
        leaving[rows] = exam[rows] - days(rng, 1, 5, len(rows))
        training[rows] = leaving[rows] - days(rng, 1, 10, len(rows))
        plant("university-03", university, rows, "一名入选毕业生离校后才体检")

        rows = self._violating_rows(world, rng, university, recruit)
        late = rows[rng.random(len(rows)) < 0.5]
        training[late] = leaving[late] + days(rng, 1, 5, len(late))
        trained[np.setdiff1d(rows, late)] = False
        plant("university-05", university, rows, "一名入选毕业生离校前未参加培训")

        world.planted.extend(Plant(rule, office, why[(rule, office)], tuple(sorted(evidence)))
                             for (rule, office), evidence in sorted(plants.items()))
        world.set_columns("volunteers", {NOTICE: notice, "left_university_on": leaving})
        world.add("medical_exams", self._exams(world, rng, ids, organiser, exam))
        world.add_rows("agreements", pd.DataFrame({
            "agreement_id": np.char.add("AR-", ids.astype(str)), "volunteer_id": ids, "agreement_type": "recruitment",
            "office_id": province, "unit_id": None, "signed_on": agreement}))
        world.add_rows("trainings", pd.DataFrame({
            "training_id": np.char.add("TP-", ids[trained].astype(str)), "volunteer_id": ids[trained],
            "office_id": university[trained], "training_type": "pre_departure", "held_on": training[trained]}))

    @staticmethod
    def _violating_rows(world: World, rng: np.random.Generator, offices: np.ndarray, eligible: np.ndarray) -> np.ndarray:
        """One eligible recruit of each violating office, among offices with one."""
        return one_row_per_office(rng, offices, world.violators(rng, np.unique(offices[eligible])), eligible)

    @staticmethod
    def _exams(world: World, rng: np.random.Generator, ids: np.ndarray, organiser: np.ndarray,
               exam: np.ndarray) -> pd.DataFrame:
        """A passed exam per volunteer; a few failed a first exam and passed a re-examination."""
        failed = np.flatnonzero(rng.random(len(ids)) < FAILED_FIRST_EXAM_SHARE)
        exams = pd.DataFrame({
            "volunteer_id": np.concatenate([ids, ids[failed]]),
            "office_id": np.concatenate([organiser, organiser[failed]]),
            "exam_on": np.concatenate([exam, exam[failed] - days(rng, 7, 20, len(failed))]),
            "result": np.repeat(["passed", "failed"], [len(ids), len(failed)]),
        }).sort_values(["volunteer_id", "exam_on"], kind="stable")
        return exams.assign(exam_id=sequence_ids(f"M{world.year}", len(exams), 7))[
            ["exam_id", "volunteer_id", "office_id", "exam_on", "result"]]
