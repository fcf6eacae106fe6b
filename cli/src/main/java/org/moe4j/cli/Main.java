package org.moe4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code moe4j} command. Each subcommand lives in its own file. */
@Command(name = "moe4j",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Sparse Mixture-of-Experts networks in pure Java: train, evaluate, inspect, benchmark.",
        subcommands = {
                TrainCommand.class,
                AotTrainingCommand.class,
                ExperimentCommand.class,
                BenchCommand.class,
                InspectCommand.class,
                GenerateCommand.class,
                ExportCommand.class,
                ServeCommand.class,
                EvalCommand.class,
                ConformanceCommand.class,
                TokenizeCommand.class,
                ChatTemplateCommand.class,
                ChatCommand.class,
                MakeRandomModelCommand.class,
                QuantizeCommand.class,
                ConvertCommand.class,
                CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, shared by {@link #main} and the tests. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(new ErrorHandler());
        return cl;
    }
}
