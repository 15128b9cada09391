// The consensus model (src/consensus/model.py) written in Stan, for the performance peer: the
// earlier, simpler model, from before soft identification (hard zero-sum biases, no shared
// error); the speed comparison is against it until re-measured (see stan_peer.py).
//
// Same priors, same non-centred parametrisation (level anchored at each quantity's median
// statement, random walk with drift built as one cumulative sum over all grid points, biases
// summing to zero over the origins present in a scale group, pooled log-noise), Student-t
// reports with nu degrees of freedom, bounds as censored terms, ranges as log-differences of
// CDFs taken in the lower tail. Fed from the same `Design` arrays (benchmarks/peers/stan_peer.py).
// Only the default identification (no reference origins) is written out, for one group of
// origins linked by shared quantities and no lone statements (stan_peer.stan_data checks).
data {
  int<lower=1> Q;                      // quantities
  int<lower=1> O;                      // origins
  int<lower=1> S;                      // scale groups
  int<lower=1> G;                      // grid points, all quantities concatenated
  int<lower=0> W;                      // walking quantities (more than one grid point)
  int<lower=0> K;                      // non-start grid points (random-walk steps)
  int<lower=0> N;                      // statements
  array[Q] int<lower=1, upper=S> quantity_scale;
  array[G] int<lower=1, upper=Q> grid_quantity;
  array[Q] int<lower=1, upper=G> anchor;        // grid point of each quantity's median statement
  vector[Q] center;                    // robust centre of each quantity's claims
  vector<lower=0>[S] unit;             // robust spread per scale group
  array[K] int<lower=1, upper=G> step_point;    // grid point of each step
  array[K] int<lower=1, upper=W> step_walk;     // walking quantity of each step
  vector<lower=0>[K] step_days;
  vector<lower=0>[W] walk_scale;       // prior scale of walk_sigma
  vector<lower=0>[W] drift_scale;      // prior scale of drift
  matrix<lower=0, upper=1>[O, S] present;       // (origin, scale) pairs with any statement
  array[N] int<lower=1, upper=G> time;
  array[N] int<lower=1, upper=O> origin;
  array[N] int<lower=1, upper=S> st_scale;
  vector<lower=0>[N] stderr;
  vector<lower=0>[N] horizon_days;
  int<lower=0> n_point;
  array[n_point] int<lower=1, upper=N> point;
  vector[n_point] point_value;
  int<lower=0> n_at_least;
  array[n_at_least] int<lower=1, upper=N> at_least;
  vector[n_at_least] at_least_value;
  int<lower=0> n_at_most;
  array[n_at_most] int<lower=1, upper=N> at_most;
  vector[n_at_most] at_most_value;
  int<lower=0> n_range;
  array[n_range] int<lower=1, upper=N> range_idx;
  vector[n_range] range_low;
  vector[n_range] range_high;
  real<lower=0> level_sd;
  real<lower=0> bias_sd;
  real<lower=0> noise_median;
  real<lower=0> noise_level_sd;
  real<lower=0> noise_pool_sd;
  real<lower=0> noise_floor;
  real<lower=0> projection_sd;
  real<lower=0> nu;
}
transformed data {
  vector[S] present_count;
  for (s in 1:S) present_count[s] = fmax(sum(col(present, s)), 1.0);
}
parameters {
  vector[Q] level_z;
  vector<lower=0>[W] walk_sigma;
  vector[W] drift;
  vector[K] innovation_z;
  vector<lower=0>[S] bias_sigma;
  matrix[O, S] bias_z;
  vector[S] noise_mu;
  vector<lower=0>[S] noise_spread;
  matrix[O, S] noise_z;
  vector<lower=0>[S] projection_sigma;
}
transformed parameters {
  vector[G] latent;
  matrix[O, S] bias;
  matrix[O, S] noise;
  {
    vector[G] incr = rep_vector(0.0, G);
    incr[step_point] = drift[step_walk] .* step_days
                       + walk_sigma[step_walk] .* sqrt(step_days) .* innovation_z;
    vector[G] path = cumulative_sum(incr);
    vector[Q] level = center + level_sd * unit[quantity_scale] .* level_z;
    latent = level[grid_quantity] + path - path[anchor[grid_quantity]];
  }
  for (s in 1:S) {
    real mean_z = dot_product(col(bias_z, s), col(present, s)) / present_count[s];
    bias[:, s] = (col(bias_z, s) - mean_z) .* col(present, s) * bias_sigma[s];
    noise[:, s] = exp(noise_mu[s] + noise_spread[s] * col(noise_z, s));
  }
}
model {
  vector[N] mu;
  vector[N] sd;
  level_z ~ std_normal();
  walk_sigma ~ normal(0, walk_scale);
  drift ~ normal(0, drift_scale);
  innovation_z ~ std_normal();
  bias_sigma ~ normal(0, bias_sd * unit);
  to_vector(bias_z) ~ std_normal();
  noise_mu ~ normal(log(noise_median * unit), noise_level_sd);
  noise_spread ~ normal(0, noise_pool_sd);
  to_vector(noise_z) ~ std_normal();
  projection_sigma ~ normal(0, projection_sd * unit);

  for (n in 1:N) {
    int o = origin[n];
    int s = st_scale[n];
    mu[n] = latent[time[n]] + bias[o, s];
    sd[n] = sqrt(square(noise[o, s]) + square(noise_floor * unit[s]) + square(stderr[n])
                 + square(projection_sigma[s]) * horizon_days[n] / 30.0);
  }
  point_value ~ student_t(nu, mu[point], sd[point]);
  // P(report >= value) and P(report <= value)
  target += student_t_lccdf(at_least_value | nu, mu[at_least], sd[at_least]);
  target += student_t_lcdf(at_most_value | nu, mu[at_most], sd[at_most]);
  // P(low <= report <= high), taken in the lower tail (reflected when the range lies above mu)
  for (r in 1:n_range) {
    int n = range_idx[r];
    if (range_low[r] + range_high[r] > 2 * mu[n]) {
      target += log_diff_exp(student_t_lccdf(range_low[r] | nu, mu[n], sd[n]),
                             student_t_lccdf(range_high[r] | nu, mu[n], sd[n]));
    } else {
      target += log_diff_exp(student_t_lcdf(range_high[r] | nu, mu[n], sd[n]),
                             student_t_lcdf(range_low[r] | nu, mu[n], sd[n]));
    }
  }
}
