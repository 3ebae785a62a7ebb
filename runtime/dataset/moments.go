package dataset

// FeatureMoments returns the mean and the variance (the population's: divided by N) of each
// feature over the set's samples, as they are batched (bytes scaled by 1/255): what Keras'
// Normalization.adapt computes. Two passes in float64 keep the variance accurate when the mean is
// large. For an empty set both are zero.
func (s *Set) FeatureMoments() (mean, variance []float64) {
	f := s.Features
	value := func(i, j int) float64 {
		if s.F != nil {
			return float64(s.F[i*f+j])
		}
		return float64(float32(s.X[i*f+j]) / 255)
	}
	return moments(s.N, f, value)
}

// TargetMoments returns the mean and the population variance of each regression target over the
// set's samples; nil for a set of class labels.
func (s *Set) TargetMoments() (mean, variance []float64) {
	if s.Targets == nil {
		return nil, nil
	}
	t := s.TargetSize
	return moments(s.N, t, func(i, j int) float64 { return float64(s.Targets[i*t+j]) })
}

// moments is the mean and the population variance of each of cols columns over rows rows.
func moments(rows, cols int, value func(i, j int) float64) (mean, variance []float64) {
	mean, variance = make([]float64, cols), make([]float64, cols)
	if rows == 0 {
		return mean, variance
	}
	for i := range rows {
		for j := range cols {
			mean[j] += value(i, j)
		}
	}
	for j := range mean {
		mean[j] /= float64(rows)
	}
	for i := range rows {
		for j := range cols {
			d := value(i, j) - mean[j]
			variance[j] += d * d
		}
	}
	for j := range variance {
		variance[j] /= float64(rows)
	}
	return mean, variance
}
