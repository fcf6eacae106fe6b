package org.moe4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code moe4j experiment NAME}: the reproducible experiments, one subcommand each. */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = "Run a reproducible experiment and report its results (--json FILE for machine-readable output).",
        subcommands = {MnistMlpCommand.class, MoeVsDenseCommand.class, FffMnistCommand.class, Chen2022Command.class,
                HrmeCommand.class})
final class ExperimentCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
