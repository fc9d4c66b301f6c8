"""From labels and verdicts to numbers a safety team can defend.

Modules (each with its formulas and citations in its docstring):

- `data`: one bulk read of the project into numpy arrays (labels, adjudications, verdicts,
  grouping fields; MultiJail resource tiers).
- `final`: final labels and queue routing. Decisions: adjudication first; an unsure label
  queues the item (`unsure`) with no final label until adjudicated, but still counts in
  agreement as the label chosen; under `unanimous` a single label is final (`single`); under
  `majority:N` fewer than N agreeing labels wait (`needs_labels`); ties and disagreements are
  queued; a judge (non-baseline) verdict contradicting a human final label queues a
  `judge_conflict` while the human label stays final; items with no human label but a
  verdict are `judge-only` and only ever enter the judge-corrected estimator.
- `agreement` (+ `alpha_interval`, `kappa`): Krippendorff's alpha (nominal, the project's
  value domain, via the `krippendorff` package) with a Bayesian-bootstrap interval, observed
  and class-specific agreement, Fleiss' kappa, Cohen's kappa per annotator pair (≥ 10 shared).
- `calibration`: each judge run against human-final labels (confusion matrix, kappa,
  sensitivity/specificity for `unsafe` on parsed verdicts, share unparsed).
- `rates`: human-final unsafe rate (modified Wilson); `judge_rates` and `double_sampling`: the
  judge-corrected stratified estimate q·PPV + (1−q)·FOR and the raw judge rate; `design`
  (+ `poststratified`, `cell_intervals`): the sample's weights and design-based intervals;
  `estimator` names each number.
- `compare`: differences between conditions per language (Newcombe hybrid score).
- `sampling`, `sample_command`: seeded, optionally judge-stratified samples with weights.
- `budget`: labels needed for a target Wilson width.
- `queue`: the adjudication queue and per-item review for the adjudicate screen.
- `report` (+ `report_sections`, `report_methods`): the whole report, as a typed
  `report_model.Report` (frozen dataclasses in `report_base`, `report_counts`,
  `report_estimates`, `report_stats`, which every renderer reads); `Report.as_json()` is
  `polyjudge report --json`.

Every interval's coverage is measured by `bench/coverage_sim.py`.
"""
