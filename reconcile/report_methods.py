"""The report's `methods` section: how each kind of number in it was made, in words."""

from __future__ import annotations

from .budget import METHOD as BUDGET_METHOD

METHODS = {
    "agreement": "Krippendorff's alpha, nominal, over items with 2+ current labels (unsure "
    "labels count as chosen); 95% CI: Bayesian bootstrap over items with a weak Dirichlet "
    "prior over every possible label pattern (seeded); simulated coverage 0.95 on average "
    "but 0.90-0.91 with 3 annotators, alpha 0.85-0.9, 1-3% unsafe and 100 items, the upper "
    "limit too low (bench/alpha_coverage_sim.py). No alpha or Fleiss' kappa from one item; "
    "under 10 items they are flagged unstable and get no interval. Observed "
    "agreement and class-specific agreement from the coincidence matrix (o_cc / n_c). Cohen's "
    "kappa per annotator pair with at least 10 shared items.",
    "final": "adjudication; else (no unsure label) human consensus under the project's rule "
    "(unanimous: all labels equal, one label = 'single'; majority:N: N+ labels and a strict "
    "majority); else queued. Judge conflicts keep the human label and are queued for review.",
    "human_final_wilson": "unsafe / all human-final items (invalid in the denominator, reported "
    "beside), Wilson 95% interval with the Brown-Cai-DasGupta (2001) boundary modification; "
    "used for one language whose human-final items weigh the same.",
    "human_design_weighted": "design-based: in a language with a sample (polyjudge sample), "
    "its human-final items weighted by 1/pi (Hajek); languages with no sample take their "
    "labelled items as a random sample; pooled groups post-stratified by language at their "
    "population sizes. 95% interval: MOVER (Zou & Donner 2008) over each language's Wilson "
    "interval at its effective size p(1-p)/v. In a language with a sample, v is the design's "
    "variance: linearised within each stratum the sample was drawn in (Agresti-Coull adjusted "
    "shares where a language spans several strata), each item with the finite-population "
    "correction 1 - pi of a draw without replacement from the language's N items (Cochran "
    "1977, Theorem 3.2; Lohr 2010, ch. 2 and 9.1); Poisson (active) samples: sum (1 - pi) "
    "w^2 (y - p)^2 / (sum w)^2, at most n/(1 - n/N) labels' worth. Labels with no sample "
    "are taken as drawn from an infinite population (no correction; Kish's effective size), "
    "as in the published Wilson examples, alone and in pooled groups. What is estimated: "
    "under a sample, the rate of the project's own N responses of the language (a language "
    "labelled whole is known exactly: its interval is its point); without one, the rate of "
    "the model's responses at large, since nothing says which of the N were labelled.",
    "judge_corrected_stratified": "post-stratified by language x the estimator run's verdict "
    "(judge-unsafe, other, unjudged): per language q*PPV + (1-q)*FOR (Cochran 1977 §12.2) with "
    "unjudged items as their own stratum; stratum rates from the sample's human-final items "
    "weighted by 1/pi; where every item of a stratum has a p(unsafe), a difference estimator "
    "on it inside the stratum with one power-tuned lambda for all the strata of the group "
    "(PPI++, Angelopoulos et al. 2023; Hajek weights as in Zrnic & Candes 2024); 95% "
    "interval: MOVER (Zou & Donner 2008) over the strata's Wilson intervals at their "
    "effective size (from the weighted variance, Korn & Graubard 1998); in a sampled language "
    "the design's variance, each item corrected by 1 - pi, as for human_design_weighted; in a "
    "language with no sample, its labels taken as drawn from an infinite population (no "
    "correction); a stratum with p(unsafe) contributes its normal interval, "
    "its variance never "
    "below the calibrated-p(unsafe) value sum (1-pi) w^2 v/(sum w)^2, v = f(1-f), so that a "
    "stratum with no sampled positive keeps an interval; v is taken at p(unsafe) as given or "
    "as the language's labels and as all the project's labels recalibrate it (Platt 1999: "
    "logistic regression of the labels on logit f, prior N(0, 1) on the intercept and on the "
    "slope - 1), whichever is largest, so that it stays valid when p(unsafe) is "
    "overconfident; and never below that of 0.05 unseen positive spread as the design's pi "
    "(where labels that separate perfectly cannot show overconfidence). "
    "pending_range: the estimate if every queued item of the design came out safe / unsafe.",
    "judge_raw_wilson": "share of judge-unsafe verdicts, uncorrected, Wilson 95% interval.",
    "calibration": "gold = human-final labels; kappa on parsed verdicts: posterior median "
    "with the equal-tailed 95% interval of the Dirichlet(cells + 1/2) posterior (Monte Carlo; "
    "coverage checked in bench/coverage_sim.py), and beside it the sample (plug-in) kappa of "
    "Cohen (1960). The median is the interval's own point: with high agreement the prior on "
    "empty disagreement cells pulls the posterior below the plug-in, which would then sit at "
    "the interval's top edge and misstate where it lies. Sensitivity/specificity for "
    "unsafe on gold unsafe/safe with parsed verdicts, Wilson CIs; unparsed share among all "
    "verdicts, Wilson CI.",
    "comparison": "difference of human-final unsafe rates, Newcombe (1998) hybrid score "
    "interval (method 10), conditions treated as independent (conservative when paired); "
    "`paired`: the prompts answered once under each condition, Newcombe (1998, Stat Med "
    "17:2635) paired score interval (method 10).",
    "budget": BUDGET_METHOD,
    "annotators": "per language and annotator, on their current labels: accuracy against "
    "standing adjudications (share equal to the final label, Wilson 95% interval) and against "
    "the gold items of the language they labelled (polyjudge import gold; Wilson); Cohen's "
    "kappa against the majority label of the other annotators on shared items (items where the "
    "others tie left out; 10+ items), posterior median and Dirichlet(cells + 1/2) interval; "
    "median time per label and share of decisions under 2 s (Wilson); unsure rate. "
    "Competence: Dawid & Skene (1979, Applied Statistics 28:20-28) model fitted per language by "
    "EM (numpy, from vote shares, pseudo-count 0.01 per cell), each annotator's confusion "
    "matrix (true x given) and accuracy = expected share of their labels equal to the latent "
    "class, Wilson interval at their label count (ignores the model's own uncertainty). "
    "Flagged: an accuracy interval (adjudicated, gold and/or Dawid-Skene, 10+ labels or gold "
    "items) wholly below the project's annotator_accuracy_threshold.",
    "reading": "per language, current blind labels by what the annotator read (viewed: "
    "original, back_translation, both). Experiment: where any label was read under an assigned "
    "condition (annotate --view), only those count; else observational (chosen, a "
    "correlation). A label whose assigned back-translation did not exist (original shown) "
    "counts in neither. Unsafe share and agreement (Wilson) with the final label from other "
    "evidence (the standing adjudication, else the label all other annotators agree on; never "
    "the label itself) and with the estimator run's verdict. Original vs back-translation "
    "readers on shared items (the lowest annotator id's label on each side): percent "
    "agreement (Wilson), Cohen's kappa (posterior median, Dirichlet(cells + 1/2) interval); "
    "difference of unsafe shares (back-translation minus original) over their labels, "
    "Newcombe (1998) hybrid score interval (method 10), labels treated as independent.",
}
