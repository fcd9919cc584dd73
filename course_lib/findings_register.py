"""The register of the lecture's findings, its entries: what each says, where the course
tests it, and how.

A *finding* is a sentence of the lecture that says a model, a setting or a technique does
better, worse, faster, overfits or fails. The course owes each one a verdict that a reader can
see (chapter 13 prints this register beside the run's figures):

- ``shown``: the run asserts it, for any seed and on both kernel paths, through the lesson
  checks named in ``lessons`` (:mod:`course_lib.lessons`);
- ``not shown at this scale``: the quick profile cannot show it; ``reason`` says why, from
  measurements, and which profile or hardware would;
- ``does not hold``: the run shows the opposite; ``reason`` gives the evidence and ``errata``
  the label of the errata page's entry.

Only what the lecture states is here, quoted (``quote`` is a verbatim piece of the lecture, with
its spelling; a test finds it in the lecture's text). Outcomes the course adds of its own (the
classifier learns at all) stay lesson checks without a finding.

The entries are data, kept here on their own so that adding or amending a finding touches one
module of quotes, verdicts and reasons; what is computed from them (a finding by its key, the
counts, the table chapter 13 prints, the reasons) is course_lib.findings', which re-exports
every name below.
"""

from __future__ import annotations

from dataclasses import dataclass

SHOWN = "shown"
NOT_SHOWN = "not shown at this scale"
DOES_NOT_HOLD = "does not hold"
VERDICTS = (SHOWN, NOT_SHOWN, DOES_NOT_HOLD)


@dataclass(frozen=True)
class Finding:
    key: str
    chapter: str  # the chapter that puts it to the test
    quote: str  # the lecture's words, verbatim
    lecture: str  # what the lecture reports, its figures where it gives any
    measure: str  # what the run measures
    verdict: str
    lessons: tuple[str, ...] = ()  # lesson keys measuring it (asserted when shown)
    reason: str = ""  # why it is not shown, or the evidence that it does not hold
    errata: str = ""  # the errata page's label for a finding that does not hold
    models: tuple[tuple[str, str, str], ...] = ()  # (chapter, model, task) whose figures it sets


FINDINGS: tuple[Finding, ...] = (
    Finding(
        "similar_words_close", "03_word_embeddings",
        "It is better for similar words to have similar embeddings",
        "a pre-trained space puts related words together (the country-capital picture)",
        "GloVe's analogy: the nearest words to Paris - France + Italy", SHOWN,
        ("glove_analogy",)),
    Finding(
        "pretrained_helps_small_data", "03_word_embeddings",
        "Particularly useful when your sample size is small",
        "pre-trained word embeddings help most with few training samples",
        "mean validation accuracy with 200 training reviews, frozen GloVe against an "
        "embedding learned from scratch", SHOWN, ("pretrained_beats_learned",)),
    Finding(
        "simple_rnn_below_baseline", "04_simple_rnn",
        "Our small recurrent network doesn't perform very well at all compared to this "
        "baseline",
        "SimpleRNN up to 85% against lecture 3's 88%",
        "best validation accuracy, lecture 3's multi-hot network against the SimpleRNN",
        SHOWN, ("baseline_beats_simple_rnn",),
        models=(
            ("04_simple_rnn", "multi-hot, whole", "reviews"),
            ("04_simple_rnn", "SimpleRNN", "reviews"),
        )),
    Finding(
        "cut_reviews_cost", "04_simple_rnn",
        "our inputs only consider the first 500 words rather the full sequences",
        "part of the gap: the recurrent model reads cut reviews",
        "best validation accuracy of the multi-hot network on whole against cut reviews",
        SHOWN, ("whole_reviews_help",),
        models=(
            ("04_simple_rnn", "multi-hot, whole", "reviews"),
            ("04_simple_rnn", "multi-hot, cut", "reviews"),
        )),
    Finding(
        "simple_rnn_rest_of_gap", "04_simple_rnn",
        "The remainder of the problem is simply that SimpleRNN isn't very good at processing "
        "long sequences",
        "the rest of the gap is the SimpleRNN itself",
        "best validation accuracy on the same cut reviews, multi-hot network against the "
        "SimpleRNN", NOT_SHOWN, ("simple_rnn_trails_cut_baseline",),
        reason="On the same cut reviews the SimpleRNN trailed the order-blind network in every "
        "run measured, but in one (seed 3 on the reference kernels) by less than a point: too "
        "little to assert for any seed. On 100-word reviews there is little memory to test; "
        "chapter 5's controlled tasks test it directly, and the full profile's 500-word "
        "reviews are the lecture's setting.",
        models=(
            ("04_simple_rnn", "multi-hot, cut", "reviews"),
            ("04_simple_rnn", "SimpleRNN", "reviews"),
        )),
    Finding(
        "too_far_for_the_gradient", "05_lstm",
        "inputs X_0 and X_1 that are too far for the gradient to carry",
        "a SimpleRNN cannot learn from inputs far back; an LSTM can",
        "controlled task, one value marked among 100 steps of noise: SimpleRNN against an LSTM "
        "whose forget gate starts near one (Keras' default LSTM fails here too, and on a "
        "token task the SimpleRNN holds where it fails: see the errata)", SHOWN,
        ("memory_simple_rnn_drowns",)),
    Finding(
        "gated_layers_better", "05_lstm",
        "Other types of recurrent layers perform much better",
        "the LSTM and the GRU do much better than the SimpleRNN on reviews",
        "mean validation accuracy over the epochs, LSTM and GRU against SimpleRNN",
        NOT_SHOWN, ("lstm_beats_simple_rnn", "gru_beats_simple_rnn"),
        reason="On 100-word reviews trained for 3 epochs the SimpleRNN keeps up in some runs: "
        "averaged over the epochs the LSTM and the GRU lead in most runs measured, but both "
        "trail the SimpleRNN in at least one (seed 3 on the reference kernels, where the "
        "SimpleRNN learns unusually well). Reviews this short barely test memory; the full "
        "profile's 500-word reviews are where the lecture saw the gap, and chapter 5's "
        "controlled tasks test memory directly.",
        models=(
            ("04_simple_rnn", "SimpleRNN", "reviews"),
            ("05_lstm", "LSTM", "reviews"),
            ("06_gru", "GRU", "reviews"),
        )),
    Finding(
        "lstm_best_so_far", "05_lstm",
        "Best performance so far - high 80s in terms of accuracy %",
        "the LSTM in the high 80s, the best model on reviews so far",
        "best validation accuracy, LSTM against lecture 3's multi-hot network",
        NOT_SHOWN, ("lstm_beats_baseline",),
        reason="The quick profile's LSTM reads 100 words of 8,000 training reviews for 3 "
        "epochs and stays below lecture 3's multi-hot network, which reads every word, in "
        "every run measured (the margin in the table above, and the lesson table in "
        "docs/maintaining.md). The full profile trains the lecture's 500 words of 25,000 "
        "reviews for 10 epochs.",
        models=(
            ("05_lstm", "LSTM", "reviews"),
            ("04_simple_rnn", "multi-hot, whole", "reviews"),
        )),
    Finding(
        "lstm_long_sequences", "05_lstm",
        "LSTM performs better on long sequences",
        "the LSTM handles longer sequences than the GRU",
        "controlled memory task: LSTM against GRU at the middle distance (30 blanks)",
        NOT_SHOWN, ("memory_lstm_beats_gru",),
        reason="In chapter 5's memory task, at 30 blank tokens, the default LSTM is ahead of the "
        "default GRU in some runs and level with it in others (the lesson table in "
        "docs/maintaining.md): both start with leaky memories (the LSTM's forget gate at "
        "sigmoid(1), the GRU's update gate at sigmoid(0)), and which of them learns to keep "
        "within the two short epochs it trains changes with the seed."),
    Finding(
        "gru_on_par", "06_gru",
        "Performance on par with LSTM",
        "the GRU about as accurate as the LSTM",
        "best validation accuracy, the gap between LSTM and GRU", SHOWN,
        ("gru_close_to_lstm",),
        models=(
            ("05_lstm", "LSTM", "reviews"),
            ("06_gru", "GRU", "reviews"),
        )),
    Finding(
        "gru_cheaper", "06_gru",
        "is computationally more efficient",
        "the GRU computes less per step",
        "recurrent weights (multiplications per step) of GRU against LSTM", SHOWN,
        ("gru_fewer_weights",)),
    Finding(
        "gru_faster", "06_gru",
        "GRUs are faster to train",
        "the GRU trains faster than the LSTM",
        "fastest training step of GRU and LSTM on the same batch, timed in turns",
        DOES_NOT_HOLD, ("gru_not_faster",),
        reason="On the CPUs measured the GRU's training step is not clearly faster than the "
        "LSTM's: at these sizes the step's time goes into the many small per-step operations, "
        "which Keras' GRU runs as many of as its LSTM, not into the quarter fewer "
        "multiplications.",
        errata="errata-gru-speed"),
    Finding(
        "naive_mae", "07_forecasting",
        "We get MAE = 0.29",
        "the persistence baseline's MAE on Jena: 0.29 (2.57 °C)",
        "the naive baseline's validation MAE", NOT_SHOWN,
        reason="A property of the Jena record: the quick profile forecasts New York's hourly "
        "weather, whose baseline the chapter computes exactly; the full profile computes it "
        "on Jena.",
        models=(
            ("07_forecasting", "naive baseline", "weather"),
        )),
    Finding(
        "dense_worse_than_naive", "07_forecasting",
        "We get MAEs above 0.3 for the validation loss - worse than our benchmark",
        "the densely connected model does worse than the baseline",
        "best validation MAE, dense model against the naive baseline", SHOWN,
        ("naive_beats_dense",),
        models=(
            ("07_forecasting", "naive baseline", "weather"),
            ("07_forecasting", "dense", "weather"),
        )),
    Finding(
        "gru_beats_both", "07_forecasting",
        "This model is better than the previous simple model and the common-sense baseline",
        "the GRU beats the dense model and the baseline",
        "best validation MAE, GRU against the naive baseline (which beats the dense model)",
        SHOWN, ("gru_beats_naive", "naive_beats_dense"),
        models=(
            ("07_forecasting", "GRU", "weather"),
            ("07_forecasting", "dense", "weather"),
            ("07_forecasting", "naive baseline", "weather"),
        )),
    Finding(
        "gru_overfits", "07_forecasting",
        "There is evidence of overfitting",
        "the GRU's validation error pulls away from its training error",
        "last against best validation MAE, and against the last training MAE", SHOWN,
        ("plain_gru_overfits",)),
    Finding(
        "dropout_before_impedes", "08_recurrent_dropout",
        "Applying dropout before a recurrent layer impedes learning rather than helping to "
        "implement regularization",
        "ordinary dropout in front of a recurrent layer hurts and does not regularise",
        "a GRU after an ordinary Dropout layer against the plain GRU (best validation MAE) "
        "and against the GRU with recurrent dropout (last-epoch gap)", SHOWN,
        ("dropout_before_impedes", "dropout_before_keeps_gap"),
        models=(
            ("07_forecasting", "GRU", "weather"),
            ("08_recurrent_dropout", "Dropout, then GRU", "weather"),
        )),
    Finding(
        "recurrent_dropout_no_overfitting", "08_recurrent_dropout",
        "we are no longer overfitting during the first 30 epochs",
        "with recurrent dropout the GRU no longer overfits",
        "last-epoch gap between validation and training MAE, plain GRU against GRU with "
        "dropout", SHOWN, ("dropout_closes_gap",)),
    Finding(
        "recurrent_dropout_stable", "08_recurrent_dropout",
        "We have more stable evaluation scores",
        "the validation curve is steadier with recurrent dropout",
        "mean change of validation MAE from one epoch to the next", NOT_SHOWN,
        ("dropout_steadier",),
        reason="In every run of make lessons the regularised GRU's validation MAE moved from "
        "one epoch to the next at least as much as the plain GRU's (the lesson table in "
        "docs/maintaining.md). In the quick profile's 20 epochs of 40 batches the plain "
        "GRU's validation curve has only begun to drift upwards, while dropout's noise moves "
        "the regularised one; the full profile trains the lecture's 40 epochs of 500 "
        "batches."),
    Finding(
        "recurrent_dropout_best_similar", "08_recurrent_dropout",
        "our best scores are not much lower than they were previously",
        "the best validation error barely improves",
        "best validation MAE, plain GRU against GRU with dropout", SHOWN,
        ("dropout_best_not_much_lower",),
        models=(
            ("07_forecasting", "GRU", "weather"),
            ("08_recurrent_dropout", "GRU + dropout", "weather"),
        )),
    Finding(
        "stack_not_overfitting", "09_stacking",
        "we are still not overfitting too badly",
        "the stack does not overfit badly",
        "the stack's last-epoch validation MAE against its training MAE", SHOWN,
        ("stack_not_overfitting_badly",)),
    Finding(
        "stack_no_significant_gain", "09_stacking",
        "adding a layer did not help us by a significant factor",
        "the stack does not improve the validation error much",
        "best validation MAE, single regularised GRU against the stack", SHOWN,
        ("stack_no_significant_gain",)),
    Finding(
        "stack_costs_more", "09_stacking",
        "comes with a higher computational cost",
        "more capacity costs more computation",
        "fastest training step of the stack and the single GRU, timed in turns", SHOWN,
        ("stack_costs_more",)),
    Finding(
        "bidirectional_gru_as_well", "10_bidirectional",
        "It performs about as well as the regular GRU layer",
        "the bidirectional GRU about as good as the forward GRU on weather",
        "best validation MAE, bidirectional against forward GRU (asserted: not clearly "
        "behind it; in the quick profile it is often ahead)", SHOWN,
        ("bidirectional_gru_as_well",),
        models=(
            ("10_bidirectional", "GRU", "weather"),
            ("10_bidirectional", "bidirectional GRU", "weather"),
        )),
    Finding(
        "reversed_half_underperforms", "10_bidirectional",
        "the anti-chronological half is known to be severely underperforming on this task",
        "a GRU reading the weather backwards does badly",
        "best validation MAE of the reversed GRU against the forward GRU and the baseline",
        SHOWN, ("reversed_gru_trails_forward", "reversed_gru_trails_naive"),
        models=(
            ("10_bidirectional", "GRU", "weather"),
            ("10_bidirectional", "GRU, reversed", "weather"),
            ("07_forecasting", "naive baseline", "weather"),
        )),
    Finding(
        "bidirectional_increases_accuracy", "10_bidirectional",
        "Bidirectional recurrent layers: increase accuracy",
        "a bidirectional layer raises accuracy on text",
        "best validation accuracy, bidirectional against forward LSTM on reviews",
        NOT_SHOWN, ("bidirectional_lstm_gains",),
        reason="On 100-word reviews trained for 3 epochs the bidirectional LSTM ends level "
        "with the forward one, within a few points either way from seed to seed (the lesson "
        "table in docs/maintaining.md); the reversed half alone scores below the forward "
        "one. The full profile trains the lecture's 500 words of 25,000 reviews.",
        models=(
            ("05_lstm", "LSTM", "reviews"),
            ("10_bidirectional", "bidirectional LSTM", "reviews"),
        )),
    Finding(
        "conv_a_little_lower", "11_conv1d",
        "The validation accuracy is a little lower than when using an RNN with an LSTM layer",
        "the convnet a little below the LSTM on reviews",
        "best validation accuracy, LSTM against the convnet", SHOWN,
        ("conv_a_little_below_lstm", "conv_close_to_lstm"),
        models=(
            ("05_lstm", "LSTM", "reviews"),
            ("11_conv1d", "Conv1D", "reviews"),
        )),
    Finding(
        "conv_much_faster", "11_conv1d",
        "the running time for this model is much lower",
        "the convnet runs much faster than the LSTM",
        "fastest training step of convnet and LSTM on the same batch, timed in turns",
        DOES_NOT_HOLD, ("conv_not_much_faster",),
        reason="On the CPUs measured the convnet's training step is not much shorter than the "
        "LSTM's: a convolution's advantage, all positions at once, needs parallel hardware, "
        "and the convnet has the larger embedding to update.",
        errata="errata-conv-speed"),
    Finding(
        "conv_weather_no_beat", "11_conv1d",
        "Doesn't beat the common-sense baseline",
        "the order-blind convnet does not beat the baseline on weather",
        "best validation MAE, convnet against the naive baseline", SHOWN,
        ("conv_trails_naive",),
        models=(
            ("11_conv1d", "Conv1D", "weather"),
        )),
    Finding(
        "conv_gru_below_gru", "12_conv_gru",
        "This model doesn't perform as well as the regularized GRU model",
        "the Conv1D + GRU is less accurate than the regularised GRU",
        "best validation MAE, Conv1D + GRU against chapter 8's GRU", SHOWN,
        ("conv_gru_trails_gru",),
        models=(
            ("08_recurrent_dropout", "GRU + dropout", "weather"),
            ("12_conv_gru", "Conv1D + GRU", "weather"),
        )),
    Finding(
        "conv_gru_faster", "12_conv_gru",
        "it does run a lot faster",
        "the Conv1D + GRU runs much faster than the GRU",
        "fastest training step of the GRU and the Conv1D + GRU on the same windows",
        NOT_SHOWN, ("conv_gru_cheaper",),
        reason="Not a matter of data size but of kernels: with oneDNN's kernels the hybrid's "
        "step is about 1.6 times as fast as the GRU's, but on TensorFlow's reference kernels with "
        "one thread its lead shrinks to about 20% (a ratio near 1.2) and can vanish on a "
        "loaded machine, so the run reports it instead of asserting it. A GPU, where the "
        "recurrence is the bottleneck, is where the lecture's speed-up would show."),
    Finding(
        "conv_gru_more_data_no_help", "12_conv_gru",
        "that doesn't seem to help with accuracy in this case",
        "the hybrid's denser windows do not improve its accuracy",
        "best validation MAE of the hybrid on its own windows against the same model on the "
        "regularised GRU's sparser windows", SHOWN, ("conv_gru_more_data_no_help",)),
)
