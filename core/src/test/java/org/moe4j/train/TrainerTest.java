package org.moe4j.train;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.moe4j.autograd.Activation;
import org.moe4j.autograd.Variable;
import org.moe4j.model.MlpClassifier;
import org.moe4j.model.MlpClassifierConfig;
import org.moe4j.nn.Module;
import org.moe4j.tensor.Init;
import org.moe4j.tensor.Rng;
import org.moe4j.tensor.Tensor;

class TrainerTest {
    private static final int N = 96, FEATURES = 12, CLASSES = 3;

    /** A small classifier with dropout, so that resuming must also restore a generator. */
    private static final class Setup {
        final MlpClassifier model = new MlpClassifier(new MlpClassifierConfig(FEATURES, new int[] {16}, CLASSES,
                Activation.Kind.GELU, 0.2, 7));
        final ClassificationTask task;
        final Adam adam;

        Setup() {
            Tensor x = Init.normal(Tensor.zeros(N, FEATURES), new Rng(1), 0, 1);
            int[] y = new int[N];
            for (int i = 0; i < N; i++) y[i] = x.at(i * FEATURES) > 0 ? (x.at(i * FEATURES + 1) > 0 ? 2 : 1) : 0;
            task = new ClassificationTask(model, model::forward, x, y, 16, 3, List.of(model.dropoutRng()));
            adam = new Adam(ParameterGroups.standard(model, 1e-2, 0.01), Adam.Config.adamW());
        }

        Trainer trainer(long steps, Path folder) {
            return new Trainer(task, adam, new Trainer.Config(steps, 1.0, LearningRateSchedule.warmupCosine(2, 20, 0.1),
                    folder, 0), "test");
        }
    }

    private static final Trainer.Listener QUIET = (step, loss, norm, lr) -> {};

    private static float[][] weights(Module m) {
        return m.namedParameters().values().stream().map(v -> v.value().toArray()).toArray(float[][]::new);
    }

    @Test
    void sameSeedGivesBitIdenticalTraining() throws Exception {
        Setup a = new Setup();
        Setup b = new Setup();
        a.trainer(20, null).run(QUIET);
        b.trainer(20, null).run(QUIET);
        assertArrayEquals(weights(a.model), weights(b.model));
        Setup fresh = new Setup();
        assertFalse(java.util.Arrays.deepEquals(weights(a.model), weights(fresh.model)), "training changed the weights");
    }

    @Test
    void halfSaveLoadHalfEqualsOneRun(@TempDir Path dir) throws Exception {
        Setup whole = new Setup();
        whole.trainer(20, null).run(QUIET);

        Setup first = new Setup();
        Path ckpt = dir.resolve("ckpt");
        Trainer t1 = first.trainer(10, ckpt);
        t1.run(QUIET);
        assertTrue(Files.isRegularFile(ckpt.resolve("model.safetensors")));

        Setup second = new Setup();
        Trainer t2 = second.trainer(20, null);
        t2.resume(ckpt);
        assertEquals(10, t2.step());
        t2.run(QUIET);
        assertArrayEquals(weights(whole.model), weights(second.model), "resumed run is bit-identical");
    }

    @Test
    void nanLossStopsNamingTheStepAndKeepsTheCheckpoint(@TempDir Path dir) throws Exception {
        Setup s = new Setup();
        Path ckpt = dir.resolve("ckpt");
        TrainingTask poisoned = new TrainingTask() {
            @Override
            public Module model() {
                return s.model;
            }

            @Override
            public Variable loss(long step) {
                Variable l = s.task.loss(step);
                if (step < 6) return l;
                return org.moe4j.autograd.Arithmetic.scale(l, Float.NaN);
            }

            @Override
            public List<Rng> generators() {
                return s.task.generators();
            }
        };
        Trainer t = new Trainer(poisoned, s.adam, new Trainer.Config(10, 1.0, null, ckpt, 3), "test");
        var e = assertThrows(TrainingDivergedException.class, () -> t.run(QUIET));
        assertEquals(6, e.step());
        assertTrue(e.getMessage().startsWith("the loss became NaN at step 6; training stopped; the last good checkpoint is in"),
                e.getMessage());
        Setup restored = new Setup();
        Trainer r = restored.trainer(10, null);
        r.resume(ckpt);
        assertEquals(6, r.step(), "the checkpoint of step 6 is intact");
        assertArrayEquals(weights(s.model), weights(restored.model), "no update was applied after the NaN");
    }

    @Test
    void resumingIntoAnotherShapeNamesTheTensor(@TempDir Path dir) throws Exception {
        Setup s = new Setup();
        Path ckpt = dir.resolve("ckpt");
        s.trainer(2, ckpt).run(QUIET);
        MlpClassifier wider = new MlpClassifier(new MlpClassifierConfig(FEATURES, new int[] {17}, CLASSES, Activation.Kind.GELU, 0.2, 7));
        ClassificationTask task = new ClassificationTask(wider, wider::forward, Tensor.zeros(N, FEATURES), new int[N], 16, 3,
                List.of(wider.dropoutRng()));
        Trainer t = new Trainer(task, new Adam(ParameterGroups.standard(wider, 1e-2, 0), Adam.Config.adamW()),
                new Trainer.Config(4, 0, null, null, 0), "test");
        var e = assertThrows(IllegalArgumentException.class, () -> t.resume(ckpt));
        assertTrue(e.getMessage().contains("layers.0.weight") && e.getMessage().contains("[16, 12]")
                && e.getMessage().contains("[17, 12]"), e.getMessage());
    }
}
