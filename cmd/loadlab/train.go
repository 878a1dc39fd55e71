package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/loadlab/loadlab/target/refapi/model"
)

// trainCmd trains the reference API's lead-scoring model and writes its
// artifact (what `make train` runs).
type trainCmd struct {
	out  string
	seed uint64
}

func newTrainCmd() *cobra.Command {
	c := &trainCmd{}
	cmd := &cobra.Command{
		Use:   "train",
		Short: "Train the reference API's lead-scoring model on the synthetic dataset",
		Long: `train generates the deterministic synthetic lead dataset (20,000 rows),
fits gradient-boosted trees (100 trees, depth ≤ 6), reports held-out accuracy
and AUC, and writes the versioned JSON artifact. The same seed always gives a
byte-identical file; the checked-in target/refapi/model/model.json is embedded in the
binary, so rebuild after retraining.`,
		Args: cobra.NoArgs,
		RunE: c.run,
	}
	cmd.Flags().StringVar(&c.out, "out", filepath.Join("target", "model", "model.json"), "artifact path to write")
	cmd.Flags().Uint64Var(&c.seed, "seed", model.DefaultSeed, "seed of the synthetic dataset")
	return cmd
}

func (c *trainCmd) run(cmd *cobra.Command, _ []string) error {
	if c.out == "" {
		return usagef("--out: empty, want a file path such as target/refapi/model/model.json")
	}
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
