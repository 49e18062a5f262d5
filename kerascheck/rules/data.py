"""KC3xx: labels and data that do not match the model, or leak into evaluation."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from kerascheck import vocabulary as kv
from kerascheck.diagnostics import Diagnostic, Severity
from kerascheck.facts import Fit, Head, LabelEncoding, Labels, Model, PreprocessingFit, ProgramFacts, Split
from kerascheck.rules import lineage
from kerascheck.rules.base import Bad, Good, Rule, argument_anchor, is_classifier


def labelled_fits(facts: ProgramFacts) -> Iterator[tuple[Model, Fit, Head, Labels]]:
    """(model, fit, head, labels) for every head whose training labels are known.

    A head whose ``fit`` labels are unknown is judged on the labels of its first
    ``evaluate`` instead: evaluate computes the compiled loss on them just as fit does.
    """
    for model, call, head, labels in label_uses(facts):
        if labels.encoding is not None:
            yield model, call, head, labels


def label_uses(facts: ProgramFacts) -> Iterator[tuple[Model, Fit, Head, Labels]]:
    """Like :func:`labelled_fits`, for any labels fact (also only a value range, or rescaled classes)."""
    for model in facts.models:
        for index, head in enumerate(model.heads):
            found = False
            for fit in model.fits:
                labels = fit.labels[index] if index < len(fit.labels) else None
                if labels is not None:
                    found = True
                    yield model, fit, head, labels
            if found:
                continue
            for evaluation in model.evaluations:
                labels = evaluation.labels[index] if index < len(evaluation.labels) else None
                if labels is not None:
                    yield model, evaluation, head, labels
                    break


def _where(fit: Fit, head: Head):  # type: ignore[no-untyped-def]
    return fit.anchor if fit.anchor.is_known else head.anchor


def _origin(labels: Labels) -> str:
    return f" from {labels.source}" if labels.source else ""


class OneHotWithSigmoid(Rule):
    """
    ## What it does
    Flags one-hot labels (`to_categorical`, `np.eye(n)[y]`, `OneHotEncoder`,
    `pd.get_dummies`, `tf.one_hot`) fed to a sigmoid output trained with
    binary cross-entropy.

    ## Why is this bad?
    With one sigmoid unit the shapes disagree (n, 2) vs (n, 1). With n
    sigmoid units, a single-label problem is trained as n independent yes/no
    problems: `accuracy` becomes binary accuracy over every cell of the
    one-hot matrix (mostly zeros, so it starts high), and precision/recall
    are inflated the same way. The numbers look great; the model is not.
    With exactly two classes and two sigmoid units the model can still learn
    (each unit answers one class) and is reported as a warning: the two
    outputs need not sum to 1, and the metrics count both cells of each row.

    ## Example
    ```python
    y = keras.utils.to_categorical(labels, 3)  # one-hot
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(3, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, y)
    ```

    ## Use instead
    ```python
    y = keras.utils.to_categorical(labels, 3)
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(x, y)
    # binary problem: integer 0/1 labels with Dense(1, activation="sigmoid")
    ```
    """

    code = "KC301"
    name = "one-hot-with-sigmoid"
    severity = Severity.ERROR
    fix = "binary: 0/1 labels with 1 sigmoid unit; single-label multi-class: softmax + categorical_crossentropy"
    BAD = (
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = keras.utils.to_categorical(np.random.randint(0, 3, 64), num_classes=3)
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(3, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(x, y, epochs=1, verbose=0)
            """,
            line=13,
            message="one-hot labels from to_categorical(...) train a sigmoid output with",
        ),
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = np.eye(2)[np.random.randint(0, 2, 64)]
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(2, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(x, y, epochs=1, verbose=0)
            """,
            line=13,
            message="one-hot labels from np.eye(n)[y] train a sigmoid output with",
        ),
    )
    GOOD = (
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = keras.utils.to_categorical(np.random.randint(0, 3, 64), num_classes=3)
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(3, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="categorical_crossentropy")
            model.fit(x, y, epochs=1, verbose=0)
            """,
        ),
        Good(
            """
            from sklearn.preprocessing import LabelEncoder, MultiLabelBinarizer
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = MultiLabelBinarizer().fit_transform([["a"], ["a", "b"], ["c"], ["b", "c"]] * 16)
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(3, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(x, y, epochs=1, verbose=0)
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _model, fit, head, labels in labelled_fits(facts):
            loss = head.loss
            if (
                labels.encoding is LabelEncoding.ONE_HOT
                and head.activation == "sigmoid"
                and loss is not None
                and loss.kind in kv.BINARY_CE
            ):
                found = self.report(
                    _where(fit, head),
                    f"one-hot labels{_origin(labels)} train a sigmoid output with {loss.kind}: "
                    "a single-label problem scored as independent yes/no cells",
                )
                # Two sigmoid units only train on labels two columns wide: with the class
                # count unknown (flow_from_directory), it is the two-class case too.
                if head.units == 2 and labels.num_classes in (2, None):
                    found = replace(found, severity=Severity.WARNING)
                yield found


class SparseLossWithOneHot(Rule):
    """
    ## What it does
    Flags sparse categorical cross-entropy trained on one-hot labels.

    ## Why is this bad?
    The sparse loss expects one integer class id per sample. Given one-hot
    rows, Keras either fails on the shape or (with 2 columns and some
    backends) reads the rows as something else entirely; the reported loss
    and accuracy do not measure the task.

    ## Example
    ```python
    y = keras.utils.to_categorical(labels, 10)
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y)
    ```

    ## Use instead
    ```python
    y = keras.utils.to_categorical(labels, 10)
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")  # keep the one-hot labels
    model.fit(x, y)
    # or drop to_categorical and keep the sparse loss
    ```
    """

    code = "KC302"
    name = "sparse-loss-with-one-hot"
    severity = Severity.ERROR
    fix = "use categorical_crossentropy with one-hot labels, or pass integer labels to the sparse loss"
    BAD = (
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = keras.utils.to_categorical(np.random.randint(0, 3, 64), num_classes=3)
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(3, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            model.fit(x, y, epochs=1, verbose=0)
            """,
            line=13,
            message="sparse_categorical_crossentropy expects integer class ids, but the labels from",
        ),
    )
    GOOD = (
        Good(
            """
            from sklearn.preprocessing import LabelEncoder, MultiLabelBinarizer
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = LabelEncoder().fit_transform(np.random.choice(["a", "b", "c"], 64))
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(3, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            model.fit(x, y, epochs=1, verbose=0)
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = keras.utils.to_categorical(np.random.randint(0, 3, 64), num_classes=3)
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(3, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="categorical_crossentropy")
            model.fit(x, y, epochs=1, verbose=0)
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _model, fit, head, labels in labelled_fits(facts):
            loss = head.loss
            if labels.encoding is LabelEncoding.ONE_HOT and loss is not None and loss.kind in kv.SPARSE_CE:
                yield self.report(
                    _where(fit, head),
                    f"{loss.kind} expects integer class ids, but the labels{_origin(labels)} are one-hot",
                )


class CategoricalLossWithIntegerLabels(Rule):
    """
    ## What it does
    Flags categorical cross-entropy trained on integer class labels, e.g.
    straight from `mnist.load_data()` or a `LabelEncoder`.

    ## Why is this bad?
    Categorical cross-entropy expects one-hot rows. Integer labels of shape
    (n,) or (n, 1) either fail on the shape or are broadcast against the
    predictions, producing a loss that trains the wrong thing.

    ## Example
    ```python
    (x, y), _ = keras.datasets.mnist.load_data()  # y: integers 0..9
    model = keras.Sequential([keras.Input(shape=(28, 28)), layers.Flatten(), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(x / 255.0, y)
    ```

    ## Use instead
    ```python
    (x, y), _ = keras.datasets.mnist.load_data()  # y: integers 0..9
    model = keras.Sequential([keras.Input(shape=(28, 28)), layers.Flatten(), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x / 255.0, y)
    # or y = keras.utils.to_categorical(y, 10)
    ```
    """

    code = "KC303"
    name = "categorical-loss-with-integer-labels"
    severity = Severity.ERROR
    fix = "use sparse_categorical_crossentropy, or one-hot encode with to_categorical"
    BAD = (
        Bad(
            """
            from sklearn.preprocessing import LabelEncoder, MultiLabelBinarizer
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = LabelEncoder().fit_transform(np.random.choice(["a", "b", "c"], 64))
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(3, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="categorical_crossentropy")
            model.fit(x, y, epochs=1, verbose=0)
            """,
            line=14,
            message="categorical_crossentropy expects one-hot labels, but the labels from",
        ),
    )
    GOOD = (
        Good(
            """
            from sklearn.preprocessing import LabelEncoder, MultiLabelBinarizer
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = LabelEncoder().fit_transform(np.random.choice(["a", "b", "c"], 64))
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(3, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            model.fit(x, y, epochs=1, verbose=0)
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = keras.utils.to_categorical(np.random.randint(0, 3, 64), num_classes=3)
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(3, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="categorical_crossentropy")
            model.fit(x, y, epochs=1, verbose=0)
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _model, fit, head, labels in labelled_fits(facts):
            loss = head.loss
            if loss is None or loss.kind not in kv.CATEGORICAL_CE or head.units == 1:
                continue
            if labels.encoding in (LabelEncoding.INTEGER, LabelEncoding.BINARY):
                yield self.report(
                    argument_anchor(fit.y, _where(fit, head)),
                    f"{loss.kind} expects one-hot labels, but the labels{_origin(labels)} are integer class ids",
                )


class UnitsClassesMismatch(Rule):
    """
    ## What it does
    Flags an output layer whose number of units differs from the number of
    classes in its labels, when both are known: `to_categorical(y, n)`,
    `np.eye(n)`, a known dataset (mnist / fashion_mnist / cifar10: 10,
    cifar100: 100 fine or 20 coarse, reuters: 46) or runtime labels.
    When `fit`'s labels are unknown (a generator, files), the labels of
    `evaluate` count, and so do those a scikit-learn metric compares with
    the model's predictions (`classification_report(y_test,
    model.predict(x_test).argmax(1))`): the class count is the task's.

    ## Why is this bad?
    Too few units: some classes can never be predicted (or the loss fails
    on an out-of-range id). Too many: probability mass goes to classes that
    do not exist. Either way per-class precision and recall are wrong.

    ## Example
    ```python
    (x, y), _ = keras.datasets.cifar100.load_data(label_mode="coarse")  # 20 classes
    model = keras.Sequential([
        keras.Input(shape=(32, 32, 3)),
        layers.Rescaling(1.0 / 255),
        layers.Flatten(),
        layers.Dense(100, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y)
    ```

    ## Use instead
    ```python
    (x, y), _ = keras.datasets.cifar100.load_data(label_mode="coarse")  # 20 classes
    model = keras.Sequential([
        keras.Input(shape=(32, 32, 3)),
        layers.Rescaling(1.0 / 255),
        layers.Flatten(),
        layers.Dense(20, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y)
    ```
    """

    code = "KC304"
    name = "units-classes-mismatch"
    severity = Severity.ERROR
    fix = "make the output units equal the number of classes (1 sigmoid unit for binary)"
    BAD = (
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = keras.utils.to_categorical(np.random.randint(0, 3, 64), num_classes=3)
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(4, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="categorical_crossentropy")
            model.fit(x, y, epochs=1, verbose=0)
            """,
            line=10,
            message="the output has 4 units but the labels from to_categorical(...) have 3 classes",
        ),
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = keras.utils.to_categorical(np.random.randint(0, 5, 64), num_classes=5)
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(3, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="categorical_crossentropy")
            model.fit(x, y, epochs=1, verbose=0)
            """,
            line=10,
            message="the output has 3 units but the labels from to_categorical(...) have 5 classes",
        ),
    )
    GOOD = (
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = keras.utils.to_categorical(np.random.randint(0, 3, 64), num_classes=3)
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(3, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="categorical_crossentropy")
            model.fit(x, y, epochs=1, verbose=0)
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = np.random.randint(0, 2, 64).astype("float32")
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(x, y, epochs=1, verbose=0)
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        seen: set[int] = set()
        # Any labels with a class count: also those of a scikit-learn metric scoring the predictions.
        for _model, _fit, head, labels in label_uses(facts):
            classes, units = labels.num_classes, head.units
            if labels.scaled_from is not None:
                continue  # rescaled class labels: KC311
            if classes is None or units is None or units == classes or id(head) in seen:
                continue
            if classes == 2 and units in (1, 2):
                continue
            if not is_classifier(head):
                continue
            seen.add(id(head))
            yield self.report(
                head.activation_anchor if head.activation_anchor.is_known else head.anchor,
                f"the output has {units} units but the labels{_origin(labels)} have {classes} classes",
            )


class FitOnTestData(Rule):
    """
    ## What it does
    Flags `fit` on data named or split as the test set, and `validation_data`
    that is the training data itself or a slice of it that is still trained
    on (`validation_data=(x_train[-5000:], y_train[-5000:])`).

    ## Why is this bad?
    A test set measures how the model does on data it has never seen. Train
    on it and every later evaluation on it reports memorisation: accuracy,
    precision and recall all look unrealistically good (data leakage).
    Validating on the training data hides overfitting the same way:
    `val_loss` tracks `loss` while the model memorises. A validation slice
    cut from the training arrays but not removed from them is the same leak:
    `val_accuracy` climbs with `accuracy` and early stopping never triggers.

    ## Example
    ```python
    from sklearn.model_selection import train_test_split

    X_train, X_test, y_train, y_test = train_test_split(X, y)
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(X_test, y_test)
    ```

    ## Use instead
    ```python
    from sklearn.model_selection import train_test_split

    X_train, X_test, y_train, y_test = train_test_split(X, y)
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(X_train, y_train, validation_data=(X_test, y_test))
    ```
    """

    code = "KC305"
    name = "fit-on-test-data"
    severity = Severity.WARNING
    fix = "train on the training split and validate on a held-out split"
    model_rule = False
    BAD = (
        Bad(
            """
            import numpy as np
            import keras
            from sklearn.model_selection import train_test_split

            X = np.random.rand(100, 4)
            y = np.random.randint(0, 2, 100)
            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
            model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(X_test, y_test, epochs=1, verbose=0)
            """,
            line=10,
            message="fit() trains on the test set: every later test score leaks",
        ),
        Bad(
            """
            import numpy as np
            import keras
            from sklearn.model_selection import train_test_split

            X = np.random.rand(100, 4)
            y = np.random.randint(0, 2, 100)
            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
            model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(X_train, y_train, validation_data=(X_train, y_train), epochs=1, verbose=0)
            """,
            line=10,
            message="validation_data is the training data: validation cannot show",
        ),
        Bad(
            """
            import numpy as np
            import keras
            from sklearn.model_selection import train_test_split

            X = np.random.rand(100, 4)
            y = np.random.randint(0, 2, 100)
            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
            model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(X_train, y_train, validation_data=(X_train[-10:], y_train[-10:]), epochs=1, verbose=0)
            """,
            line=10,
            message="validation_data is a slice of the training arrays that is still",
        ),
        Bad(
            """
            import numpy as np
            import keras
            from sklearn.model_selection import train_test_split

            X = np.random.rand(100, 4)
            y = np.random.randint(0, 2, 100)
            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
            X_val, y_val = X_train[:10], y_train[:10]
            model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(X_train, y_train, validation_data=(X_val, y_val), epochs=1, verbose=0)
            """,
            line=11,
            message="validation_data is a slice of the training arrays that is still",
        ),
    )
    GOOD = (
        Good(
            """
            import numpy as np
            import keras
            from sklearn.model_selection import train_test_split

            X = np.random.rand(100, 4)
            y = np.random.randint(0, 2, 100)
            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
            model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(X_train, y_train, validation_data=(X_test, y_test), epochs=1, verbose=0)
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from sklearn.model_selection import train_test_split

            X = np.random.rand(100, 4)
            y = np.random.randint(0, 2, 100)

            model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(X, X[:, :1], epochs=1, verbose=0)
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from sklearn.model_selection import train_test_split

            X = np.random.rand(100, 4)
            y = np.random.randint(0, 2, 100)
            X_val, y_val = X[-20:], y[-20:]
            X, y = X[:-20], y[:-20]
            model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(X, y, validation_data=(X_val, y_val), epochs=1, verbose=0)
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for model in facts.models:
            for fit in model.fits:
                if lineage.trains_on_test(fit):
                    yield self.report(fit.anchor, "fit() trains on the test set: every later test score leaks")
                elif lineage.validates_on_training(fit):
                    yield self.report(
                        fit.anchor, "validation_data is the training data: validation cannot show overfitting"
                    )
                elif lineage.validation_cut_from_training(fit):
                    yield self.report(
                        fit.anchor,
                        "validation_data is a slice of the training arrays that is still trained on: "
                        "the validation scores measure memorisation",
                        "remove the validation slice from the training arrays (x_train = x_train[:-n])",
                    )


class PreprocessingBeforeSplit(Rule):
    """
    ## What it does
    Flags a scaler, imputer or PCA fitted on the whole data set before
    `train_test_split`.

    The one-call `sklearn.preprocessing.scale()` and `minmax_scale()` count
    as fitted scalers; `normalize()` does not (it scales each row on its own).

    ## Why is this bad?
    The scaler's mean and variance (the imputer's fill values) are then
    computed with the test rows included, so information from the test set
    shapes the training inputs. The leak is small but systematic: test
    scores come out optimistic.

    ## Example
    ```python
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X = StandardScaler().fit_transform(X)
    X_train, X_test, y_train, y_test = train_test_split(X, y)
    ```

    ## Use instead
    ```python
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X_train, X_test, y_train, y_test = train_test_split(X, y)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    ```
    """

    code = "KC306"
    name = "preprocessing-before-split"
    severity = Severity.WARNING
    fix = "split first, then fit the scaler/imputer on the training split only"
    model_rule = False
    BAD = (
        Bad(
            """
            import numpy as np
            import keras
            from sklearn.model_selection import train_test_split

            X = np.random.rand(100, 4)
            y = np.random.randint(0, 2, 100)
            from sklearn.preprocessing import StandardScaler

            X = StandardScaler().fit_transform(X)
            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
            model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(X_train, y_train, epochs=1, verbose=0)
            """,
            line=9,
            columns=(5, 38),
            message="StandardScaler is fitted on the whole data set, which is split into train and",
        ),
        Bad(
            """
            import numpy as np
            import keras
            from sklearn.model_selection import train_test_split

            X = np.random.rand(100, 4)
            y = np.random.randint(0, 2, 100)
            from sklearn.impute import SimpleImputer

            imp = SimpleImputer()
            imp.fit(X)
            X = imp.transform(X)
            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
            model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(X_train, y_train, epochs=1, verbose=0)
            """,
            line=10,
            message="SimpleImputer is fitted on the whole data set, which is split into train and",
        ),
    )
    GOOD = (
        Good(
            """
            import numpy as np
            import keras
            from sklearn.model_selection import train_test_split

            X = np.random.rand(100, 4)
            y = np.random.randint(0, 2, 100)
            from sklearn.preprocessing import StandardScaler

            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
            scaler = StandardScaler()
            X_train = scaler.fit_transform(X_train)
            X_test = scaler.transform(X_test)
            model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(X_train, y_train, epochs=1, verbose=0)
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        reported: set[int] = set()
        for split in facts.splits:
            for key in split.preprocessed_by:
                fit = facts.preprocessing_fit(key)
                if fit is None or key in reported or _fitted_on_training_split(fit):
                    continue
                reported.add(key)
                yield self.report(
                    fit.anchor,
                    f"{fit.estimator} is fitted on the whole data set, which is split into train and test "
                    "afterwards: test statistics leak into training",
                )


def _fitted_on_training_split(fit: PreprocessingFit) -> bool:
    return fit.fitted_on is not None and fit.fitted_on.split is Split.TRAIN


class UnscaledImageInput(Rule):
    """
    ## What it does
    Flags raw 0-255 image data (a known image dataset such as mnist or
    cifar10, `image_dataset_from_directory`, or uint8 data at runtime)
    reaching `fit` with no division, `Rescaling` or `Normalization`.

    Both front-ends count the same layers as input scaling when they come
    before the first weighted layer: `Rescaling`, `Normalization`,
    `BatchNormalization`, `LayerNormalization`, `GroupNormalization`,
    `UnitNormalization`, and `Lambda` (it may rescale: silence, not a guess).

    ## Why is this bad?
    Inputs in the hundreds saturate activations and make the first layers'
    gradients huge; training is unstable, the loss can get stuck and
    accuracy plateaus far below what the same model reaches on [0, 1]
    inputs.

    ## Example
    ```python
    (x_train, y_train), _ = keras.datasets.cifar10.load_data()
    model = keras.Sequential([
        keras.Input(shape=(32, 32, 3)),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x_train, y_train)
    ```

    ## Use instead
    ```python
    (x_train, y_train), _ = keras.datasets.cifar10.load_data()
    x_train = x_train / 255.0  # or put layers.Rescaling(1.0 / 255) first in the model
    model = keras.Sequential([
        keras.Input(shape=(32, 32, 3)),
        layers.Flatten(),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x_train, y_train)
    ```
    """

    code = "KC307"
    name = "unscaled-image-input"
    severity = Severity.WARNING
    fix = "divide the images by 255 or start the model with layers.Rescaling(1.0 / 255)"
    model_rule = False  # the BAD examples need a dataset download; runtime tests use synthetic uint8 data
    BAD = (
        Bad(
            """
            import keras
            from keras import layers

            (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()

            model = keras.Sequential([
                keras.Input(shape=(28, 28)),
                layers.Flatten(),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            model.fit(x_train, y_train, epochs=1)
            """,
            line=12,
            message="raw 0-255 pixel values reach fit() with no rescaling",
        ),
        Bad(
            """
            import keras
            from keras import layers

            (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
            x_train = x_train.astype("float32")
            model = keras.Sequential([
                keras.Input(shape=(28, 28)),
                layers.Flatten(),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            model.fit(x_train, y_train, epochs=1)
            """,
            line=12,
            message="raw 0-255 pixel values reach fit() with no rescaling",
        ),
    )
    GOOD = (
        Good(
            """
            import keras
            from keras import layers

            (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
            x_train = x_train / 255.0
            model = keras.Sequential([
                keras.Input(shape=(28, 28)),
                layers.Flatten(),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            model.fit(x_train, y_train, epochs=1)
            """,
        ),
        Good(
            """
            import keras
            from keras import layers

            (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()

            model = keras.Sequential([
                keras.Input(shape=(28, 28)),
                layers.Rescaling(1.0 / 255),
                layers.Flatten(),
                layers.Dense(10, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            model.fit(x_train, y_train, epochs=1)
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for model in facts.models:
            if not _model_scales_nothing(model):
                continue
            for fit in model.fits:
                if fit.x is not None and fit.x.raw_images:
                    yield self.report(
                        argument_anchor(fit.x, fit.anchor if fit.anchor.is_known else model.anchor),
                        "raw 0-255 pixel values reach fit() with no rescaling",
                    )


def _model_scales_nothing(model: Model) -> bool:
    """True only if the layers up to the first weighted layer are known and none rescales."""
    if len(model.heads) != 1:
        return False
    for layer in model.heads[0].chain:
        if layer.kind is None or layer.kind in kv.INPUT_SCALING_LAYERS:
            return False
        if layer.kind in kv.UNIT_LAYERS:
            return True
    return False


class ValidationSplitOnOrderedData(Rule):
    """
    ## What it does
    Flags `fit(..., validation_split=...)` on arrays built in class order:
    per-class blocks concatenated (`np.concatenate([np.zeros(n), np.ones(m)])`)
    or sorted by label.

    ## Why is this bad?
    Keras takes the validation set from the *last* samples, before any
    shuffling (`shuffle=True` only shuffles the training part). With data in
    class order the validation set is all one class: `val_accuracy` is 0.0
    or 1.0 and `val_loss` says nothing about generalisation.

    ## Example
    ```python
    y = np.concatenate([np.zeros(len(cats)), np.ones(len(dogs))])
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, y, validation_split=0.2)
    ```

    ## Use instead
    ```python
    from sklearn.utils import shuffle

    y = np.concatenate([np.zeros(len(cats)), np.ones(len(dogs))])
    x, y = shuffle(x, y)  # or pass validation_data=
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, y, validation_split=0.2)
    ```
    """

    code = "KC308"
    name = "validation-split-on-ordered-data"
    severity = Severity.WARNING
    fix = "shuffle the arrays before fit, or pass an explicit validation_data"
    model_rule = False
    BAD = (
        Bad(
            """
            import numpy as np
            import keras
            from sklearn.model_selection import train_test_split

            X = np.random.rand(100, 4)
            y = np.random.randint(0, 2, 100)
            y = np.concatenate([np.zeros(50), np.ones(50)])
            model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(X, y, validation_split=0.2, epochs=1, verbose=0)
            """,
            line=10,
            message="validation_split takes the last samples before shuffling, and these arrays are",
        ),
    )
    GOOD = (
        Good(
            """
            import numpy as np
            import keras
            from sklearn.model_selection import train_test_split

            X = np.random.rand(100, 4)
            y = np.random.randint(0, 2, 100)
            y = np.concatenate([np.zeros(50), np.ones(50)])
            from sklearn.utils import shuffle

            X, y = shuffle(X, y)
            model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(X, y, validation_split=0.2, epochs=1, verbose=0)
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from sklearn.model_selection import train_test_split

            X = np.random.rand(100, 4)
            y = np.random.randint(0, 2, 100)
            y = np.concatenate([np.zeros(50), np.ones(50)])
            idx = np.random.permutation(100)
            X, y = X[idx], y[idx]
            model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1, activation="sigmoid")])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(X, y, validation_split=0.2, epochs=1, verbose=0)
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for model in facts.models:
            for fit in model.fits:
                if lineage.ordered_validation_split(fit):
                    yield self.report(
                        fit.anchor,
                        "validation_split takes the last samples before shuffling, and these arrays are in "
                        "class order: the validation set is one class",
                    )


class OneHotLabelsOnSingleUnit(Rule):
    """
    ## What it does
    Flags one-hot labels of width two or more fed to an output with a single
    unit, with any activation or loss not already covered by KC301 (sigmoid
    + binary cross-entropy), KC103 (categorical cross-entropy) or KC302
    (sparse categorical cross-entropy): mse, mae, hinge, binary cross-entropy
    from logits...

    ## Why is this bad?
    The labels have shape (n, k) and the predictions (n, 1). Keras does not
    stop: it broadcasts the one output against every column, so each sample
    is scored against "1" once and "0" k-1 times. The loss falls as the model
    learns to output the column average (1/k for everything), and accuracy or
    mae settle at a value that looks like progress but only reflects k.

    ## Example
    ```python
    y = keras.utils.to_categorical(np.random.randint(0, 3, 100), 3)
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.random.rand(100, 4), y)
    ```

    ## Use instead
    ```python
    y = keras.utils.to_categorical(np.random.randint(0, 3, 100), 3)
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(np.random.rand(100, 4), y)
    ```
    """

    code = "KC309"
    name = "one-hot-labels-on-single-unit"
    severity = Severity.ERROR
    fix = "k units + softmax + categorical_crossentropy (or integer 0/1 labels with one sigmoid unit)"
    BAD = (
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = keras.utils.to_categorical(np.random.randint(0, 3, 64), num_classes=3)
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1),
            ])
            model.compile(optimizer="adam", loss="mse")
            model.fit(x, y, epochs=1, verbose=0)
            """,
            line=13,
            message="3-column one-hot labels from to_categorical(...) reach a 1-unit output",
        ),
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = np.eye(2)[np.random.randint(0, 2, 64)]
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1),
            ])
            model.compile(optimizer="adam", loss=keras.losses.BinaryCrossentropy(from_logits=True))
            model.fit(x, y, epochs=1, verbose=0)
            """,
            line=13,
            message="2-column one-hot labels from np.eye(n)[y] reach a 1-unit output with",
        ),
    )
    GOOD = (
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = keras.utils.to_categorical(np.random.randint(0, 3, 64), num_classes=3)
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(3, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="categorical_crossentropy")
            model.fit(x, y, epochs=1, verbose=0)
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = np.random.randint(0, 2, 64).astype("float32")
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(x, y, epochs=1, verbose=0)
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _model, fit, head, labels in labelled_fits(facts):
            loss = head.loss
            if labels.encoding is not LabelEncoding.ONE_HOT or head.units != 1 or loss is None or loss.kind is None:
                continue
            if labels.num_classes is not None and labels.num_classes < 2:
                continue
            if loss.kind in kv.CATEGORICAL_CE | kv.SPARSE_CE:
                continue  # KC103 / KC302
            if loss.kind in kv.BINARY_CE and head.activation == "sigmoid":
                continue  # KC301
            width = f"{labels.num_classes}-column " if labels.num_classes else ""
            yield self.report(
                _where(fit, head),
                f"{width}one-hot labels{_origin(labels)} reach a 1-unit output with {loss.kind}: Keras "
                "broadcasts the one output against every column and trains on nonsense",
            )


class IntegerLabelsOnMultiUnitSigmoid(Rule):
    """
    ## What it does
    Flags 1-D class labels (0/1, or integer ids) fed to an output of two or
    more sigmoid units trained with binary cross-entropy.

    ## Why is this bad?
    Binary cross-entropy compares each unit with its own column of the
    labels, and 1-D labels have one column. Keras 3 refuses the pair at the
    first training step ("Arguments `target` and `output` must have the same
    shape"), after the data pipeline has been built. Keras 2 (`tf.keras`)
    broadcasts the label of shape (n,) or (n, 1) to every unit instead, so
    all units learn the same yes/no answer (for ids above 1, an answer that
    is not even a probability): the class each unit was meant to stand for
    never enters the loss, and binary accuracy over the repeated cells looks
    fine.

    ## Example
    ```python
    y = np.random.randint(0, 2, 100)  # 0/1 labels, shape (100,)
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(2, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(np.random.rand(100, 4), y)
    ```

    ## Use instead
    ```python
    y = np.random.randint(0, 2, 100)
    model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(np.random.rand(100, 4), y)
    # k classes: layers.Dense(k, activation="softmax") + "sparse_categorical_crossentropy"
    ```
    """

    code = "KC310"
    name = "integer-labels-on-multi-unit-sigmoid"
    severity = Severity.ERROR
    fix = "binary: one sigmoid unit; k classes: k softmax units with sparse_categorical_crossentropy"
    BAD = (
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = np.random.randint(0, 2, 64)
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(2, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(x, y, epochs=1, verbose=0)
            """,
            line=13,
            message="1-D 0/1 labels from np.random.randint(...) train 2 sigmoid units with",
        ),
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = np.random.randint(0, 3, 64)
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(3, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(x, y, epochs=1, verbose=0)
            """,
            line=13,
            message="1-D integer labels from np.random.randint(...) train 3 sigmoid units",
        ),
    )
    GOOD = (
        Good(
            """
            from sklearn.preprocessing import LabelEncoder, MultiLabelBinarizer
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = MultiLabelBinarizer().fit_transform([['a'], ['a', 'b'], ['c'], ['b', 'c']] * 16)
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(3, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(x, y, epochs=1, verbose=0)
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = np.random.randint(0, 2, 64)
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(x, y, epochs=1, verbose=0)
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = np.random.randint(0, 3, 64)
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(3, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            model.fit(x, y, epochs=1, verbose=0)
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _model, fit, head, labels in labelled_fits(facts):
            loss = head.loss
            if labels.encoding not in (LabelEncoding.BINARY, LabelEncoding.INTEGER):
                continue
            if loss is None or loss.kind not in kv.BINARY_CE or head.units is None or head.units < 2:
                continue
            if head.activation != "sigmoid" and not (head.activation == "linear" and loss.from_logits is True):
                continue
            kind = "0/1" if labels.encoding is LabelEncoding.BINARY else "integer"
            yield self.report(
                _where(fit, head),
                f"1-D {kind} labels{_origin(labels)} train {head.units} sigmoid units with {loss.kind}: "
                f"one label column for {head.units} units (Keras 3 stops at the first training step; tf.keras "
                "broadcasts the column, so every unit learns the same answer)",
            )


class ScaledClassLabels(Rule):
    """
    ## What it does
    Flags class labels whose values were changed (divided, `y / 255`, or
    standardised / min-max scaled by a scaler fitted on them) and then used
    with a classification loss; and non-integer labels given to sparse
    categorical cross-entropy (what such scaling produces, seen at runtime).

    ## Why is this bad?
    A class id is a name, not a quantity. Sparse categorical cross-entropy
    casts each label to an integer: 0.5 and 0.9 become class 0, so most
    samples are trained as class 0 and accuracy freezes at its share. Binary
    cross-entropy on 0/1 labels divided by 255 asks the model for 0 and
    0.004: it learns to output ~0 for everything, and accuracy reports the
    negatives' share.

    ## Example
    ```python
    (x, y), _ = keras.datasets.mnist.load_data()
    x, y = x / 255.0, y / 255.0  # the labels scaled with the pixels
    model = keras.Sequential([keras.Input(shape=(28, 28)), layers.Flatten(), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y)
    ```

    ## Use instead
    ```python
    (x, y), _ = keras.datasets.mnist.load_data()
    x = x / 255.0  # scale the inputs, leave the labels alone
    model = keras.Sequential([keras.Input(shape=(28, 28)), layers.Flatten(), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y)
    ```
    """

    code = "KC311"
    name = "scaled-class-labels"
    severity = Severity.ERROR
    fix = "leave class labels as integer ids (or one-hot); scale only the inputs"
    BAD = (
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = np.random.randint(0, 3, 64) / 2.0
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(3, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            model.fit(x, y, epochs=1, verbose=0)
            """,
            line=13,
            message="class labels from np.random.randint(...) were divided by 2 before",
        ),
        Bad(
            """
            from sklearn.preprocessing import StandardScaler, MinMaxScaler
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = StandardScaler().fit_transform(np.random.randint(0, 3, (64, 1)))
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(3, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            model.fit(x, y, epochs=1, verbose=0)
            """,
            line=14,
            message="class labels from np.random.randint(...) were scaled by a",
        ),
    )
    GOOD = (
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = np.random.randint(0, 3, 64)
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(3, activation="softmax"),
            ])
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
            model.fit(x, y, epochs=1, verbose=0)
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = np.random.rand(64)
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(x, y, epochs=1, verbose=0)
            """,
        ),
        Good(
            """
            from sklearn.preprocessing import StandardScaler, MinMaxScaler
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = MinMaxScaler().fit_transform(np.random.randint(0, 2, (64, 1)))
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy")
            model.fit(x, y, epochs=1, verbose=0)
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _model, fit, head, labels in label_uses(facts):
            loss = head.loss
            if loss is None or loss.kind not in kv.CROSS_ENTROPY:
                continue
            if labels.scaled_from is not None:
                effect = (
                    "cast to integers, most become class 0"
                    if loss.kind in kv.SPARSE_CE
                    else "no longer the classes the loss expects"
                )
                yield self.report(
                    _where(fit, head),
                    f"class labels{_origin(labels)} were {labels.scaled_by} before {loss.kind}: "
                    f"the values are {effect}",
                )
            elif labels.encoding is LabelEncoding.CONTINUOUS and loss.kind in kv.SPARSE_CE:
                yield self.report(
                    _where(fit, head),
                    f"{loss.kind} gets non-integer labels{_origin(labels)}: it casts them to integer "
                    "class ids, so fractions become class 0",
                )


class TrainTestPreprocessingMismatch(Rule):
    """
    ## What it does
    Flags `evaluate`, `predict` or `validation_data` given inputs that went
    through other value-changing steps than the inputs the model was trained
    on, when both come from the same data (the two sides of one
    `train_test_split` or one `load_data()`, or images read from files):
    `x_train / 255` but raw `x_test`, a `StandardScaler` on the training split
    only, a training generator with `rescale=1/255` and a test generator
    without it.

    The same helper function applied to both sides records the same steps and
    is not flagged; a `Rescaling` layer inside the model applies to both anyway.

    ## Why is this bad?
    The model learned its weights for inputs in one range and is scored on
    inputs in another. Pixel values 255 times larger than anything seen in
    training saturate every unit: "my test accuracy is 10 % but validation
    is 98 %", or a single predicted class for every photo. The test number
    describes the preprocessing mistake, not the model.

    ## Example
    ```python
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train = x_train / 255.0
    model = keras.Sequential([keras.Input(shape=(28, 28)), layers.Flatten(), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x_train, y_train)
    model.evaluate(x_test, y_test)  # raw 0-255 pixels
    ```

    ## Use instead
    ```python
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    x_train, x_test = x_train / 255.0, x_test / 255.0
    model = keras.Sequential([keras.Input(shape=(28, 28)), layers.Flatten(), layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x_train, y_train)
    model.evaluate(x_test, y_test)
    # scalers: fit on the training split, then transform both splits with it
    ```
    """

    code = "KC312"
    name = "train-test-preprocessing-mismatch"
    severity = Severity.WARNING
    fix = "apply the same preprocessing (the scaler fitted on the training split) to every input"
    model_rule = False  # compares the program's own train and test arrays
    BAD = (
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers
            from sklearn.model_selection import train_test_split
            from sklearn.preprocessing import StandardScaler

            X = np.random.rand(200, 8) * 100
            y = np.random.randint(0, 2, 200)
            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
            X_train = X_train / 100.0
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
            model.fit(X_train, y_train, epochs=1, verbose=0)
            model.evaluate(X_test, y_test)
            """,
            line=18,
            message="evaluate() gets inputs with no preprocessing, but the model was",
        ),
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers
            from sklearn.model_selection import train_test_split
            from sklearn.preprocessing import StandardScaler

            X = np.random.rand(200, 8) * 100
            y = np.random.randint(0, 2, 200)
            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
            scaler = StandardScaler()
            X_train = scaler.fit_transform(X_train)
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
            model.fit(X_train, y_train, epochs=1, verbose=0)
            pred = model.predict(X_test)
            """,
            line=19,
            message="predict() gets inputs with no preprocessing, but the model was trained",
        ),
    )
    GOOD = (
        Good(
            """
            import numpy as np
            import keras
            from keras import layers
            from sklearn.model_selection import train_test_split
            from sklearn.preprocessing import StandardScaler

            X = np.random.rand(200, 8) * 100
            y = np.random.randint(0, 2, 200)
            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
            X_train = X_train / 100.0
            X_test = X_test / 100.0
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
            model.fit(X_train, y_train, epochs=1, verbose=0)
            model.evaluate(X_test, y_test)
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers
            from sklearn.model_selection import train_test_split
            from sklearn.preprocessing import StandardScaler

            X = np.random.rand(200, 8) * 100
            y = np.random.randint(0, 2, 200)
            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
            scaler = StandardScaler()
            X_train = scaler.fit_transform(X_train)
            X_test = scaler.transform(X_test)
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
            model.fit(X_train, y_train, epochs=1, verbose=0)
            pred = model.predict(X_test)
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers
            from sklearn.model_selection import train_test_split
            from sklearn.preprocessing import StandardScaler

            X = np.random.rand(200, 8) * 100
            y = np.random.randint(0, 2, 200)
            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
            def normalize(a):
                return (a - 50.0) / 50.0

            X_train = normalize(X_train)
            X_test = normalize(X_test)
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
            model.fit(X_train, y_train, epochs=1, verbose=0)
            model.evaluate(X_test, y_test)
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers
            from sklearn.model_selection import train_test_split
            from sklearn.preprocessing import StandardScaler

            X = np.random.rand(200, 8) * 100
            y = np.random.randint(0, 2, 200)
            X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)

            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Rescaling(1.0 / 100),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
            model.fit(X_train, y_train, epochs=1, verbose=0)
            model.evaluate(X_test, y_test)
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for model in facts.models:
            trained = [fit.x for fit in model.fits if fit.x is not None and fit.x.value_steps is not None]
            uses = [(fit, fit.validation_x, "validation_data") for fit in model.fits]
            uses += [(use, use.x, f"{use.method}()") for use in model.evaluations]
            for call, used, what in uses:
                if used is None or used.value_steps is None or used.origin is None:
                    continue
                for inputs in trained:
                    if inputs.origin != used.origin or _comparable(inputs.value_steps) == _comparable(used.value_steps):
                        continue
                    yield self.report(
                        call.anchor,
                        f"{what} gets inputs {_steps(used.value_steps)}, but the model was trained on "
                        f"inputs {_steps(inputs.value_steps)} from the same data",
                    )
                    break


# Steps that scale by statistics of the data: a scaler, or arithmetic with computed values
# ((x - mean) / std). Written differently on two sides they may still be the same scaling.
_STATISTIC_STEPS = frozenset(
    {
        "StandardScaler",
        "MinMaxScaler",
        "RobustScaler",
        "MaxAbsScaler",
        "QuantileTransformer",
        "PowerTransformer",
        "scale",
        "minmax_scale",
        "normalize",
        "per_image_standardization",
        "- a computed value",
        "/ a computed value",
        "* a computed value",
    }
)


def _comparable(steps: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """Steps with each run of statistics-based scaling made one: ``StandardScaler`` and a
    hand-written ``(x - mean) / std`` compare equal (precision first), none and either do not."""
    if steps is None:
        return None
    collapsed: list[str] = []
    for step in steps:
        if step in _STATISTIC_STEPS:
            if not collapsed or collapsed[-1] != "scaled by statistics":
                collapsed.append("scaled by statistics")
        else:
            collapsed.append(step)
    return tuple(collapsed)


def _steps(transforms: tuple[str, ...] | None) -> str:
    if not transforms:
        return "with no preprocessing"
    return "preprocessed as " + " then ".join(f"`{step}`" for step in transforms)


# Output activations and the values they can produce (None: unbounded on that side).
_OUTPUT_RANGES: dict[str, tuple[float | None, float | None]] = {
    "relu": (0.0, None),
    "softplus": (0.0, None),
    "exponential": (0.0, None),
    "sigmoid": (0.0, 1.0),
    "hard_sigmoid": (0.0, 1.0),
    "softmax": (0.0, 1.0),
    "tanh": (-1.0, 1.0),
}
_CLASS_LABELS = frozenset({LabelEncoding.INTEGER, LabelEncoding.BINARY, LabelEncoding.ONE_HOT, LabelEncoding.MULTI_HOT})


class TargetsOutsideOutputRange(Rule):
    """
    ## What it does
    Flags targets known to take values the output activation cannot produce,
    trained with a loss that compares outputs and targets directly
    (regression losses, binary cross-entropy): negatives (standardised
    targets, `fit(x, x)` on standardised `x`) with relu, sigmoid or softmax;
    values above 1 (house prices, raw 0-255 pixels reconstructed by an
    autoencoder) with sigmoid, softmax or tanh.

    Class labels are left to the label rules (KC111, KC309-KC311).

    ## Why is this bad?
    The model can never reach those targets, so the loss has a floor it
    cannot go below: a relu output on standardised targets predicts 0 for
    the whole negative half, a sigmoid output caps every price at 1. The
    loss plateaus, the error looks like a capacity problem, and every
    prediction outside the reachable range is wrong by construction.

    ## Example
    ```python
    from sklearn.preprocessing import StandardScaler

    y = StandardScaler().fit_transform(np.random.normal(50.0, 10.0, (100, 1)))  # mean 0: negatives
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1, activation="relu")])
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.random.rand(100, 8), y)
    ```

    ## Use instead
    ```python
    from sklearn.preprocessing import StandardScaler

    y = StandardScaler().fit_transform(np.random.normal(50.0, 10.0, (100, 1)))
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(1)])  # linear: any sign and size
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.random.rand(100, 8), y)
    ```
    """

    code = "KC313"
    name = "targets-outside-output-range"
    severity = Severity.WARNING
    fix = "use a linear output (or rescale the targets into the activation's range)"
    BAD = (
        Bad(
            """
            from sklearn.preprocessing import StandardScaler, MinMaxScaler
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = StandardScaler().fit_transform(np.random.normal(50.0, 10.0, (64, 1)))
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="relu"),
            ])
            model.compile(optimizer="adam", loss="mse")
            model.fit(x, y, epochs=1, verbose=0)
            """,
            line=14,
            message="negative targets (StandardScaler) for a relu output, which cannot",
        ),
        Bad(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = np.random.normal(50.0, 10.0, 64).astype("float32")
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="mse")
            model.fit(x, y, epochs=1, verbose=0)
            """,
            line=13,
            message="targets above 1 (np.random.normal) for a sigmoid output, which cannot",
        ),
        Bad(
            """
            from sklearn.preprocessing import StandardScaler, MinMaxScaler
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            x = StandardScaler().fit_transform(x)
            y = x
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(8, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="mse")
            model.fit(x, y, epochs=1, verbose=0)
            """,
            line=15,
            message="negative targets (StandardScaler) for a sigmoid output, which cannot",
        ),
    )
    GOOD = (
        Good(
            """
            from sklearn.preprocessing import StandardScaler, MinMaxScaler
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = StandardScaler().fit_transform(np.random.normal(50.0, 10.0, (64, 1)))
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1),
            ])
            model.compile(optimizer="adam", loss="mse")
            model.fit(x, y, epochs=1, verbose=0)
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = np.random.rand(64).astype("float32")
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="mse")
            model.fit(x, y, epochs=1, verbose=0)
            """,
        ),
        Good(
            """
            from sklearn.preprocessing import StandardScaler, MinMaxScaler
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = MinMaxScaler().fit_transform(np.random.normal(50.0, 10.0, (64, 1)))
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(1, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="mse")
            model.fit(x, y, epochs=1, verbose=0)
            """,
        ),
        Good(
            """
            import numpy as np
            import keras
            from keras import layers

            x = np.random.rand(64, 8).astype("float32")
            y = x
            model = keras.Sequential([
                keras.Input(shape=(8,)),
                layers.Dense(16, activation="relu"),
                layers.Dense(8, activation="sigmoid"),
            ])
            model.compile(optimizer="adam", loss="mse")
            model.fit(x, y, epochs=1, verbose=0)
            """,
        ),
    )

    def check(self, facts: ProgramFacts) -> Iterator[Diagnostic]:
        for _model, fit, head, labels in label_uses(facts):
            loss = head.loss
            if labels.values is None or labels.encoding in _CLASS_LABELS:
                continue
            if loss is None or loss.kind not in kv.REGRESSION_LOSSES | kv.BINARY_CE:
                continue
            bounds = _OUTPUT_RANGES.get(head.activation or "")
            if bounds is None or (loss.from_logits is True and loss.kind in kv.BINARY_CE):
                continue
            low, high = bounds
            values = labels.values
            seen = f" ({values.source})" if values.source else ""
            if low is not None and low >= 0 and values.reaches_negative:
                problem = "negative targets"
            elif high is not None and values.reaches_above_one and high <= 1:
                problem = "targets above 1"
            else:
                continue
            yield self.report(
                _where(fit, head),
                f"{problem}{seen} for a {head.activation} output, which cannot produce them: "
                f"the {loss.kind} loss has a floor it can never go below",
            )
