package model

// treeNode is a node of a tree under construction. Internal nodes send a
// row left when its bin of feature is < splitBin (value < threshold).
type treeNode struct {
	leaf      bool
	feature   int
	splitBin  int
	threshold float64
	left      int
	right     int
	value     float64 // leaf output, already scaled by the learning rate
}

// treeBuilder grows one regression tree on gradients and hessians of the
// logistic loss (second-order boosting, as in XGBoost), depth first, with
// exact split search over histogram bins.
type treeBuilder struct {
	cfg   TrainConfig
	bins  *binner
	xb    [NumFeatures][]uint8
	grad  []float64
	hess  []float64
	nodes []treeNode
	// histogram scratch, reused per node: [feature][bin]
	hg, hh [NumFeatures][]float64
	hc     [NumFeatures][]int
}

func newTreeBuilder(cfg TrainConfig, b *binner, xb [NumFeatures][]uint8, grad, hess []float64) *treeBuilder {
	t := &treeBuilder{cfg: cfg, bins: b, xb: xb, grad: grad, hess: hess}
	for f := range NumFeatures {
		n := b.bins(f)
		t.hg[f] = make([]float64, n)
		t.hh[f] = make([]float64, n)
		t.hc[f] = make([]int, n)
	}
	return t
}

// build grows a tree over rows (which it reorders) and calls onLeaf for
// every row with the leaf value it lands in.
func (t *treeBuilder) build(rows []int32, onLeaf func(row int32, v float64)) []treeNode {
	t.nodes = t.nodes[:0]
	t.grow(rows, 0, onLeaf)
	return append([]treeNode(nil), t.nodes...)
}

func (t *treeBuilder) grow(rows []int32, depth int, onLeaf func(int32, float64)) int {
	id := len(t.nodes)
	t.nodes = append(t.nodes, treeNode{})
	var g, h float64
	for _, r := range rows {
		g += t.grad[r]
		h += t.hess[r]
	}
	f, k, ok := -1, 0, false
	if depth < t.cfg.MaxDepth && len(rows) >= 2*t.cfg.MinSamplesLeaf {
		f, k, ok = t.bestSplit(rows, g, h)
	}
	if !ok {
		v := -g / (h + t.cfg.L2) * t.cfg.LearningRate
		t.nodes[id] = treeNode{leaf: true, value: v}
		for _, r := range rows {
			onLeaf(r, v)
		}
		return id
	}
	// Partition rows in place: bin < k first.
	col := t.xb[f]
	i, j := 0, len(rows)-1
	for i <= j {
		if int(col[rows[i]]) < k {
			i++
		} else {
			rows[i], rows[j] = rows[j], rows[i]
			j--
		}
	}
	left := t.grow(rows[:i], depth+1, onLeaf)
	right := t.grow(rows[i:], depth+1, onLeaf)
	t.nodes[id] = treeNode{feature: f, splitBin: k, threshold: t.bins.threshold(f, k), left: left, right: right}
	return id
}

// bestSplit returns the feature and bin boundary with the largest loss
// reduction that leaves MinSamplesLeaf rows on each side; ties go to the
// lower feature, then the lower bin, so training is deterministic.
func (t *treeBuilder) bestSplit(rows []int32, g, h float64) (feature, bin int, ok bool) {
	lambda := t.cfg.L2
	parent := g * g / (h + lambda)
	best := 1e-9
	minLeaf := t.cfg.MinSamplesLeaf
	for f := range NumFeatures {
		hg, hh, hc := t.hg[f], t.hh[f], t.hc[f]
		clear(hg)
		clear(hh)
		clear(hc)
		col := t.xb[f]
		for _, r := range rows {
			b := col[r]
			hg[b] += t.grad[r]
			hh[b] += t.hess[r]
			hc[b]++
		}
		var gl, hl float64
		cl := 0
		for k := 1; k < len(hg); k++ {
			gl += hg[k-1]
			hl += hh[k-1]
			cl += hc[k-1]
			if cl < minLeaf {
				continue
			}
			if len(rows)-cl < minLeaf {
				break
			}
			gr, hr := g-gl, h-hl
			gain := gl*gl/(hl+lambda) + gr*gr/(hr+lambda) - parent
			if gain > best {
				best, feature, bin, ok = gain, f, k, true
			}
		}
	}
	return feature, bin, ok
}

// eval returns the leaf value tree nodes give a row of bins.
func evalBinned(nodes []treeNode, xb *[NumFeatures][]uint8, row int) float64 {
	i := 0
	for !nodes[i].leaf {
		n := &nodes[i]
		if int(xb[n.feature][row]) < n.splitBin {
			i = n.left
		} else {
			i = n.right
		}
	}
	return nodes[i].value
}
