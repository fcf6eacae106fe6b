package org.moe4j.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.moe4j.experiment.MnistMlpExperiment;
import org.moe4j.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code moe4j experiment mnist-mlp}: a 784-256-10 MLP trained with Adam on the bundled MNIST digits. */
@Command(name = "mnist-mlp", mixinStandardHelpOptions = true,
        description = "Train a 784-H-10 ReLU MLP with AdamW and dropout on the bundled MNIST digits (8,000 train, 2,000 test).")
final class MnistMlpCommand implements Callable<Integer> {
    private static final MnistMlpExperiment.Settings DEFAULTS = MnistMlpExperiment.Settings.defaults();

    @Option(names = "--hidden", description = "Hidden width (default ${DEFAULT-VALUE}).")
    int hidden = DEFAULTS.hidden();

    @Option(names = "--epochs", description = "Passes over the training digits (default ${DEFAULT-VALUE}).")
    int epochs = DEFAULTS.epochs();

    @Option(names = "--batch-size", description = "Minibatch size (default ${DEFAULT-VALUE}).")
    int batchSize = DEFAULTS.batchSize();

    @Option(names = "--lr", description = "Peak learning rate, cosine-decayed (default ${DEFAULT-VALUE}).")
    double learningRate = DEFAULTS.learningRate();

    @Option(names = "--weight-decay", description = "AdamW weight decay on matrices (default ${DEFAULT-VALUE}).")
    double weightDecay = DEFAULTS.weightDecay();

    @Option(names = "--dropout", description = "Dropout on the hidden layer (default ${DEFAULT-VALUE}).")
    double dropout = DEFAULTS.dropout();

    @Option(names = "--seed", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed = DEFAULTS.seed();

    @Option(names = "--checkpoint", paramLabel = "DIR", description = "Save the trained model and optimizer state to DIR.")
    Path checkpoint;

    @Mixin
    JsonOutputOption json = new JsonOutputOption();

    @Override
    public Integer call() throws Exception {
        var settings = new MnistMlpExperiment.Settings(hidden, epochs, batchSize, learningRate, weightDecay, dropout, seed, checkpoint);
        var result = MnistMlpExperiment.run(settings, steps -> {
            ProgressBar bar = new ProgressBar("mnist-mlp", steps);
            return (step, loss, gradNorm, lr) -> bar.update(step, String.format(Locale.ROOT, "loss %.4f", loss));
        });
        System.out.printf(Locale.ROOT, "test accuracy %.4f (train %.4f) after %d steps in %.1f s, %d parameters%n",
                result.testAccuracy(), result.trainAccuracy(), result.steps(), result.seconds(), result.parameters());
        json.write(result.toJson(settings));
        return 0;
    }
}
