package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/loadlab/loadlab/target/refapi/lm"
	"github.com/loadlab/loadlab/target/refapi/model"
)

// trainCmd trains the reference API's lead-scoring model and its language
// model and writes both artifacts (what `make train` runs).
type trainCmd struct {
	out   string
	lmOut string
	seed  uint64
}

func newTrainCmd() *cobra.Command {
	c := &trainCmd{}
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Train the reference API's lead-scoring model and its language model",
		Long: `train generates the deterministic synthetic lead dataset (20,000 rows),
fits gradient-boosted trees (100 trees, depth ≤ 6), reports held-out accuracy
and AUC, and writes the versioned JSON artifact. It then generates the corpus
of lead-score explanations from the same seed, counts its trigrams and writes
the language model's binary artifact (interpolated Kneser-Ney trigrams, served
by /v1/chat/completions and /v1/completions). The same seed always gives
byte-identical files; the checked-in target/refapi/model/model.json and
target/refapi/lm/lm.bin are embedded in the binary, so rebuild after
retraining. When --out is given and --lm-out is not, the language model is
written beside --out as lm.bin; --lm-out "" skips it.`,
		Args: cobra.NoArgs,
		RunE: c.run,
	}
	cmd.Flags().StringVar(&c.out, "out", filepath.Join("target", "refapi", "model", "model.json"), "lead-scoring artifact path to write")
	cmd.Flags().StringVar(&c.lmOut, "lm-out", filepath.Join("target", "refapi", "lm", "lm.bin"), "language-model artifact path to write (default beside --out when only --out is given; \"\" skips it)")
	cmd.Flags().Uint64Var(&c.seed, "seed", model.DefaultSeed, "seed of the synthetic dataset and of the corpus")
	return cmd
}

func (c *trainCmd) run(cmd *cobra.Command, _ []string) error {
	if c.out == "" {
		return usagef("--out: empty, want a file path such as target/refapi/model/model.json")
	}
	if cmd.Flags().Changed("out") && !cmd.Flags().Changed("lm-out") {
		c.lmOut = filepath.Join(filepath.Dir(c.out), "lm.bin")
	}
	if err := c.trainScorer(cmd); err != nil {
		return err
	}
	if c.lmOut == "" {
		return nil
	}
	return c.trainLM(cmd)
}

func (c *trainCmd) trainScorer(cmd *cobra.Command) error {
	cfg := model.DefaultTrainConfig()
	cfg.Seed = c.seed
	start := time.Now()
	a, err := model.Train(cfg)
	if err != nil {
		return fmt.Errorf("train model: %w", err)
	}
	took := time.Since(start)
	b, err := a.Encode()
	if err != nil {
		return err
	}
	if _, err := model.Parse(b); err != nil {
		return fmt.Errorf("check trained artifact: %w", err)
	}
	if err := os.WriteFile(c.out, b, 0o644); err != nil {
		return fmt.Errorf("write artifact: %w", err)
	}
	m := a.Metrics
	_, err = fmt.Fprintf(cmd.OutOrStdout(),
		"wrote %s (%s, %d bytes) in %s\n  seed %d, %d train / %d test rows, %d trees, depth ≤ %d\n  held-out accuracy %.4f, AUC %.4f, log loss %.4f (oracle accuracy %.4f, AUC %.4f)\n",
		c.out, a.Version, len(b), took.Round(time.Millisecond),
		a.Training.Seed, a.Training.TrainRows, a.Training.TestRows, a.Training.Trees, a.Training.MaxDepth,
		m.TestAccuracy, m.TestAUC, m.TestLogLoss, m.OracleTestAccuracy, m.OracleTestAUC)
	return err
}

func (c *trainCmd) trainLM(cmd *cobra.Command) error {
	cfg := lm.DefaultCorpus()
	cfg.Seed = c.seed
	start := time.Now()
	a, err := lm.Train(cfg)
	if err != nil {
		return fmt.Errorf("train language model: %w", err)
	}
	b, err := a.Encode()
	if err != nil {
		return err
	}
	m, err := lm.Parse(b)
	if err != nil {
		return fmt.Errorf("check trained language model: %w", err)
	}
	if err := os.WriteFile(c.lmOut, b, 0o644); err != nil {
		return fmt.Errorf("write language model: %w", err)
	}
	in := a.Info
	d3, d2 := m.Discounts()
	_, err = fmt.Fprintf(cmd.OutOrStdout(),
		"wrote %s (%s, %d bytes) in %s\n  seed %d, %d documents, %d tokens, vocabulary %d, %d distinct trigrams, %s (D3 %.3f, D2 %.3f)\n",
		c.lmOut, in.Version, len(b), time.Since(start).Round(time.Millisecond),
		in.Seed, in.Documents, in.Tokens, in.Vocabulary, in.Trigrams, in.Smoothing, d3, d2)
	return err
}
