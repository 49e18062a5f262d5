"""Keras's own names, canonicalised once for every front-end.

The static front-end meets ``"bce"``, ``keras.losses.BinaryCrossentropy`` and
``tf.keras.losses.binary_crossentropy``; a saved model says
``"BinaryCrossentropy"``; a built model holds a function object. All of them
map here to one canonical loss, activation, metric or layer name.
"""

from __future__ import annotations

# -- losses -------------------------------------------------------------------

BINARY_CE = frozenset({"binary_crossentropy", "binary_focal_crossentropy"})
CATEGORICAL_CE = frozenset({"categorical_crossentropy", "categorical_focal_crossentropy"})
SPARSE_CE = frozenset({"sparse_categorical_crossentropy"})
CROSS_ENTROPY = BINARY_CE | CATEGORICAL_CE | SPARSE_CE
REGRESSION_LOSSES = frozenset(
    {
        "mean_squared_error",
        "mean_absolute_error",
        "mean_squared_logarithmic_error",
        "mean_absolute_percentage_error",
        "huber",
        "log_cosh",
    }
)
HINGE_LOSSES = frozenset({"hinge", "squared_hinge"})

_LOSS_CLASSES = {
    "BinaryCrossentropy": "binary_crossentropy",
    "BinaryFocalCrossentropy": "binary_focal_crossentropy",
    "CategoricalCrossentropy": "categorical_crossentropy",
    "CategoricalFocalCrossentropy": "categorical_focal_crossentropy",
    "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy",
    "MeanSquaredError": "mean_squared_error",
    "MeanAbsoluteError": "mean_absolute_error",
    "MeanAbsolutePercentageError": "mean_absolute_percentage_error",
    "MeanSquaredLogarithmicError": "mean_squared_logarithmic_error",
    "Huber": "huber",
    "LogCosh": "log_cosh",
    "Hinge": "hinge",
    "SquaredHinge": "squared_hinge",
    "CategoricalHinge": "categorical_hinge",
    "KLDivergence": "kl_divergence",
    "Poisson": "poisson",
    "CosineSimilarity": "cosine_similarity",
    "Dice": "dice",
    "Tversky": "tversky",
    "Circle": "circle",
    "CTC": "ctc",
}
_LOSS_FUNCTIONS = set(_LOSS_CLASSES.values())
_LOSS_ALIASES = {
    # keras.losses.ALL_OBJECTS_DICT aliases (Keras 3), plus Keras 2 spellings
    "bce": "binary_crossentropy",
    "mse": "mean_squared_error",
    "mae": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error",
    "kld": "kl_divergence",
    "kullback_leibler_divergence": "kl_divergence",
    "logcosh": "log_cosh",
    "huber_loss": "huber",
}


def loss_from_string(text: str) -> str | None:
    """The canonical loss a ``compile(loss="...")`` string selects, if Keras knows it.

    ``"crossentropy"``/``"ce"`` let Keras pick the loss from the label shape at
    fit time, so they are unknown here.
    """
    if text in _LOSS_FUNCTIONS:
        return text
    if text in _LOSS_CLASSES:
        return _LOSS_CLASSES[text]
    return _LOSS_ALIASES.get(text.lower()) if text.lower() == text or text.isupper() else None


def loss_class(name: str) -> str | None:
    """Canonical loss for a ``keras.losses`` class name."""
    return _LOSS_CLASSES.get(name)


def loss_function(name: str) -> str | None:
    """Canonical loss for a ``keras.losses`` function name (or alias)."""
    if name in _LOSS_FUNCTIONS:
        return name
    return _LOSS_ALIASES.get(name)


# -- activations --------------------------------------------------------------

_ACTIVATION_ALIASES = {
    None: "linear",
    "": "linear",
    "linear": "linear",
    "softmax": "softmax",
    "sigmoid": "sigmoid",
    "relu": "relu",
    "tanh": "tanh",
    "elu": "elu",
    "selu": "selu",
    "softplus": "softplus",
    "softsign": "softsign",
    "swish": "silu",
    "silu": "silu",
    "gelu": "gelu",
    "exponential": "exponential",
    "hard_sigmoid": "hard_sigmoid",
    "hard_silu": "hard_silu",
    "hard_swish": "hard_silu",
    "leaky_relu": "leaky_relu",
    "relu6": "relu6",
    "log_softmax": "log_softmax",
    "log_sigmoid": "log_sigmoid",
    "mish": "mish",
    "celu": "celu",
    "glu": "glu",
    "sparsemax": "sparsemax",
}

# Outputs in [0, 1] that a cross-entropy can take as probabilities.
PROBABILITY_ACTIVATIONS = frozenset({"sigmoid", "softmax", "hard_sigmoid", "sparsemax"})
SQUASHING_ACTIVATIONS = frozenset({"sigmoid", "softmax", "tanh", "hard_sigmoid"})


def activation_from_string(text: str | None) -> str | None:
    """Canonical activation for a string (or ``None``: Keras's linear default)."""
    if text is None:
        return "linear"
    return _ACTIVATION_ALIASES.get(text.lower())


# Callables that are activations: ``tf.nn.softmax``, ``keras.ops.sigmoid``...
ACTIVATION_CALLABLE_MODULES = (
    "keras.activations.",
    "keras.ops.",
    "keras.backend.",
    "tensorflow.nn.",
    "tensorflow.math.",
    "tensorflow.",
)


def activation_from_callable(qualified: str) -> str | None:
    """Canonical activation for a fully qualified callable name, if it is one."""
    for prefix in ACTIVATION_CALLABLE_MODULES:
        if qualified.startswith(prefix):
            rest = qualified[len(prefix) :]
            if "." in rest:
                return None
            return _ACTIVATION_ALIASES.get(rest)
    return None


# -- layers -------------------------------------------------------------------

# Layers whose output width is `units` (or `filters`) and that take `activation=`.
UNIT_LAYERS = frozenset(
    {
        "Dense",
        "EinsumDense",
        "Conv1D",
        "Conv2D",
        "Conv3D",
        "Conv1DTranspose",
        "Conv2DTranspose",
        "Conv3DTranspose",
        "SeparableConv1D",
        "SeparableConv2D",
        "SimpleRNN",
        "LSTM",
        "GRU",
        "TimeDistributed",
    }
)
# Layers that only apply an activation.
ACTIVATION_LAYERS = frozenset({"Activation", "Softmax", "ReLU", "LeakyReLU", "PReLU", "ELU"})
# Identity at inference: they change neither the width nor the activation.
TRANSPARENT_LAYERS = frozenset(
    {
        "Dropout",
        "SpatialDropout1D",
        "SpatialDropout2D",
        "SpatialDropout3D",
        "GaussianNoise",
        "GaussianDropout",
        "AlphaDropout",
        "ActivityRegularization",
    }
)
RECURRENT_LAYERS = frozenset({"SimpleRNN", "LSTM", "GRU"})
# Layers that count as input scaling (KC307) before a model's first weighted layer, in
# both front-ends: they rescale or normalise what reaches them (or might: a Lambda).
INPUT_SCALING_LAYERS = frozenset(
    {
        "Rescaling",
        "Normalization",
        "BatchNormalization",
        "LayerNormalization",
        "GroupNormalization",
        "UnitNormalization",
        "Lambda",
    }
)
FEATURE_MAP_LAYERS = frozenset(
    {
        "Conv1D",
        "SeparableConv1D",
        "Conv1DTranspose",
        "MaxPooling1D",
        "AveragePooling1D",
        "MaxPool1D",
        "AvgPool1D",
        "Conv2D",
        "Conv3D",
        "SeparableConv2D",
        "DepthwiseConv2D",
        "Conv2DTranspose",
        "Conv3DTranspose",
        "MaxPooling2D",
        "MaxPooling3D",
        "AveragePooling2D",
        "AveragePooling3D",
        "MaxPool2D",
        "MaxPool3D",
        "AvgPool2D",
        "AvgPool3D",
    }
)
FLATTENING_LAYERS = frozenset(
    {
        "Flatten",
        "Reshape",
        "GlobalAveragePooling1D",
        "GlobalAveragePooling2D",
        "GlobalAveragePooling3D",
        "GlobalMaxPooling1D",
        "GlobalMaxPooling2D",
        "GlobalMaxPooling3D",
        "GlobalAvgPool2D",
        "GlobalMaxPool2D",
        "GlobalAvgPool1D",
        "GlobalMaxPool1D",
    }
)
# Layers through which a sequence keeps its number of timesteps.
TIME_PRESERVING_LAYERS = frozenset(
    {
        "InputLayer",
        "Embedding",
        "Masking",
        "Dropout",
        "SpatialDropout1D",
        "Dense",
        "BatchNormalization",
        "LayerNormalization",
        "TimeDistributed",
    }
)
ACTIVATION_LAYER_DEFAULTS = {
    "Softmax": "softmax",
    "ReLU": "relu",
    "LeakyReLU": "leaky_relu",
    "ELU": "elu",
    "PReLU": "prelu",
}

# -- metrics ------------------------------------------------------------------

_METRIC_NAMES = {
    "accuracy": "accuracy",
    "acc": "accuracy",
    "binary_accuracy": "binary_accuracy",
    "categorical_accuracy": "categorical_accuracy",
    "sparse_categorical_accuracy": "sparse_categorical_accuracy",
    "top_k_categorical_accuracy": "top_k_categorical_accuracy",
    "precision": "precision",
    "recall": "recall",
    "auc": "auc",
    "f1_score": "f1_score",
    "fbeta_score": "fbeta_score",
    "mae": "mean_absolute_error",
    "mean_absolute_error": "mean_absolute_error",
    "mse": "mean_squared_error",
    "mean_squared_error": "mean_squared_error",
    "rmse": "root_mean_squared_error",
    "root_mean_squared_error": "root_mean_squared_error",
    "mape": "mean_absolute_percentage_error",
}
_METRIC_CLASSES = {
    "Accuracy": "exact_accuracy",
    "BinaryAccuracy": "binary_accuracy",
    "CategoricalAccuracy": "categorical_accuracy",
    "SparseCategoricalAccuracy": "sparse_categorical_accuracy",
    "Precision": "precision",
    "Recall": "recall",
    "AUC": "auc",
    "F1Score": "f1_score",
    "FBetaScore": "fbeta_score",
    "MeanAbsoluteError": "mean_absolute_error",
    "MeanSquaredError": "mean_squared_error",
    "RootMeanSquaredError": "root_mean_squared_error",
    "PrecisionAtRecall": "precision_at_recall",
    "RecallAtPrecision": "recall_at_precision",
    "TruePositives": "true_positives",
    "FalsePositives": "false_positives",
    "TrueNegatives": "true_negatives",
    "FalseNegatives": "false_negatives",
}
ACCURACY_METRICS = frozenset(
    {"accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy", "exact_accuracy"}
)


def metric_from_string(text: str) -> str | None:
    """Canonical metric for a ``metrics=["..."]`` string or a metric class name."""
    return _METRIC_NAMES.get(text.lower()) or _METRIC_CLASSES.get(text)


def metric_class(name: str) -> str | None:
    return _METRIC_CLASSES.get(name)


# -- where names live ---------------------------------------------------------

# Every spelling of the Keras namespace, mapped to ``keras``.
KERAS_PREFIXES = (
    ("tensorflow.python.keras", "keras"),
    ("tensorflow.keras", "keras"),
    ("tf_keras", "keras"),
    ("keras.src", "keras"),
    ("keras.api._v2.keras", "keras"),
    ("keras._tf_keras.keras", "keras"),
)

# scikit-learn metrics (names under sklearn.metrics) that need class labels, not scores.
CLASSIFICATION_METRICS = frozenset(
    {
        "accuracy_score",
        "balanced_accuracy_score",
        "classification_report",
        "confusion_matrix",
        "multilabel_confusion_matrix",
        "precision_score",
        "recall_score",
        "f1_score",
        "fbeta_score",
        "precision_recall_fscore_support",
        "matthews_corrcoef",
        "cohen_kappa_score",
        "jaccard_score",
        "hamming_loss",
        "zero_one_loss",
        "ConfusionMatrixDisplay.from_predictions",
    }
)
