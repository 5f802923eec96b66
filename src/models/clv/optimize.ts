/**
 * Maximum likelihood on few parameters: BFGS on log-parameters (so every parameter stays positive without
 * constraints) with a backtracking line search, and the observed information from an analytic Hessian when one is
 * given, a numerical one otherwise.
 */

/** Value and gradient of a function to minimise, at `x`; the gradient is written into `grad`. */
type Objective = (x: Float64Array, grad: Float64Array) => number;

interface MinimizeResult {
  x: Float64Array;
  value: number;
  iterations: number;
  converged: boolean;
}

interface MinimizeOptions {
  maxIterations?: number;
  /** Converged when every gradient component is below this. */
  gradientTolerance?: number;
  /** The inverse Hessian at `start` (row-major), when known: the first step is then Newton's, not steepest descent's. */
  inverseHessian?: Float64Array;
}

const dot = (u: Float64Array, v: Float64Array): number => u.reduce((s, ui, i) => s + ui * v[i]!, 0);

/** Steps longer than this (in log-parameters: a factor of e^5) are shortened, so a bad first step cannot overflow. */
const MAX_STEP = 5;

export function minimize(f: Objective, start: Float64Array, options: MinimizeOptions = {}): MinimizeResult {
  const n = start.length;
  const maxIterations = options.maxIterations ?? 500;
  const tolerance = options.gradientTolerance ?? 1e-9;
  // Where the objective's rounding stops further progress, a gradient this small counts as converged.
  const nearlyFlat = (grad: Float64Array): boolean => grad.every((v) => Math.abs(v) < Math.sqrt(tolerance));
  let x = Float64Array.from(start);
  let g = new Float64Array(n);
  let fx = f(x, g);
  if (!Number.isFinite(fx)) throw new Error('the objective is not finite at the starting point');
  // Inverse Hessian approximation, row-major; without one given, the identity until the first step gives it a scale.
  const H = options.inverseHessian ? Float64Array.from(options.inverseHessian) : new Float64Array(n * n);
  if (!options.inverseHessian) for (let i = 0; i < n; i++) H[i * n + i] = 1;
  const dir = new Float64Array(n);
  let xNew = new Float64Array(n);
  let gNew = new Float64Array(n);
  for (let iter = 0; iter < maxIterations; iter++) {
    if (g.every((v) => Math.abs(v) < tolerance)) return { x, value: fx, iterations: iter, converged: true };
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s -= H[i * n + j]! * g[j]!;
      dir[i] = s;
    }
    let slope = dot(dir, g);
    if (!(slope < 0)) {
      // Not a descent direction (the approximation lost positive definiteness): restart from steepest descent.
      H.fill(0);
      for (let i = 0; i < n; i++) [H[i * n + i], dir[i]] = [1, -g[i]!];
      slope = dot(dir, g);
    }
    const length = Math.sqrt(dot(dir, dir));
    let step = length > MAX_STEP ? MAX_STEP / length : 1;
    let fNew = Infinity;
    for (let tries = 0; tries < 60; tries++) {
      for (let i = 0; i < n; i++) xNew[i] = x[i]! + step * dir[i]!;
      fNew = f(xNew, gNew);
      // Armijo: enough decrease for the step taken.
      if (Number.isFinite(fNew) && fNew <= fx + 1e-4 * step * slope) break;
      step /= 2;
      // A decrease this small is below the objective's last bit: halving further only chases rounding noise (on a
      // million customers that was three quarters of a Gamma-Gamma fit), so the search has stalled.
      if (-step * slope < Number.EPSILON * Math.abs(fx)) break;
    }
    if (!(fNew <= fx)) return { x, value: fx, iterations: iter, converged: nearlyFlat(g) };
    const s = xNew.map((v, i) => v - x[i]!);
    const y = gNew.map((v, i) => v - g[i]!);
    const sy = dot(s, y);
    // The BFGS update keeps H positive definite only with positive curvature along the step.
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (iter === 0 && !options.inverseHessian) {
        const scale = sy / dot(y, y);
        for (let i = 0; i < n; i++) H[i * n + i] = scale;
      }
      const Hy = new Float64Array(n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Hy[i]! += H[i * n + j]! * y[j]!;
      const yHy = dot(y, Hy);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          H[i * n + j]! += ((sy + yHy) * s[i]! * s[j]!) / (sy * sy) - (Hy[i]! * s[j]! + s[i]! * Hy[j]!) / sy;
        }
      }
    }
    const progress = fx - fNew;
    [x, xNew] = [xNew, x];
    [g, gNew] = [gNew, g];
    fx = fNew;
    // No further progress representable in floating point: as converged as it can get.
    if (progress <= 1e-15 * Math.abs(fx) && nearlyFlat(g)) {
      return { x, value: fx, iterations: iter + 1, converged: true };
    }
  }
  return { x, value: fx, iterations: maxIterations, converged: g.every((v) => Math.abs(v) < tolerance) };
}

/**
 * Hessian by central differences of an analytic gradient, symmetrised: `h` is the step in each coordinate.
 * Returned row-major, n x n.
 */
function numericalHessian(f: Objective, x: Float64Array, h = 1e-4): Float64Array {
  const n = x.length;
  const H = new Float64Array(n * n);
  const gPlus = new Float64Array(n);
  const gMinus = new Float64Array(n);
  const at = Float64Array.from(x);
  for (let j = 0; j < n; j++) {
    at[j] = x[j]! + h;
    f(at, gPlus);
    at[j] = x[j]! - h;
    f(at, gMinus);
    at[j] = x[j]!;
    for (let i = 0; i < n; i++) H[i * n + j] = (gPlus[i]! - gMinus[i]!) / (2 * h);
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) H[i * n + j] = H[j * n + i] = (H[i * n + j]! + H[j * n + i]!) / 2;
  }
  return H;
}

/** The inverse of a symmetric positive definite matrix (Cholesky), or undefined when it is not positive definite. */
export function inverseSpd(A: Float64Array, n: number): Float64Array | undefined {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j]!;
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!;
      if (i === j) {
        if (!(s > 0)) return undefined;
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j]!;
    }
  }
  // Columns of the inverse: solve L L' x = e_c for each unit vector.
  const inv = new Float64Array(n * n);
  const y = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    for (let i = 0; i < n; i++) {
      let s = i === c ? 1 : 0;
      for (let k = 0; k < i; k++) s -= L[i * n + k]! * y[k]!;
      y[i] = s / L[i * n + i]!;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = y[i]!;
      for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * inv[k * n + c]!;
      inv[i * n + c] = s / L[i * n + i]!;
    }
  }
  return inv;
}

export interface MleResult {
  params: Float64Array;
  /** From the observed information; NaN when the Hessian at the optimum is not negative definite. */
  standardErrors: Float64Array;
  logLikelihood: number;
  iterations: number;
  converged: boolean;
}

/** The gradient and Hessian (row-major) of a log-likelihood in its natural parameters, written into `grad` and `hess`. */
type LogLikelihoodHessian = (theta: Float64Array, grad: Float64Array, hess: Float64Array) => void;

interface MaximumLikelihoodOptions extends MinimizeOptions {
  /** The analytic Hessian for the observed information; without it, central differences of the gradient. */
  hessian?: LogLikelihoodHessian;
}

/**
 * Maximises a log-likelihood over positive parameters. `logLik` takes the natural parameters and writes their
 * gradient; `count` (the number of observations) scales the objective to a per-observation mean so that the
 * tolerances mean the same for a hundred customers or a million.
 */
export function maximumLikelihood(logLik: Objective, start: Float64Array, count: number, options: MaximumLikelihoodOptions = {}): MleResult {
  const n = start.length;
  const theta = new Float64Array(n);
  const gTheta = new Float64Array(n);
  const objective: Objective = (phi, grad) => {
    for (let i = 0; i < n; i++) theta[i] = Math.exp(phi[i]!);
    const ll = logLik(theta, gTheta);
    for (let i = 0; i < n; i++) grad[i] = (-theta[i]! * gTheta[i]!) / count;
    return -ll / count;
  };
  // With the Hessian at hand, BFGS starts from Newton's step where the start's information is positive definite:
  // from near the optimum it then needs a few iterations where it needed twenty to fifty.
  const startInfo = options.hessian && logInformation(options.hessian, start);
  const inverseHessian = startInfo && inverseSpd(startInfo.map((h) => h / count), n);
  const found = minimize(objective, start.map(Math.log), { ...options, inverseHessian });
  const params = found.x.map(Math.exp);
  // At the optimum the log-gradient vanishes, so the information in log-parameters maps to the natural ones by
  // the Jacobian alone: se(theta_i) = theta_i * se(log theta_i).
  const info = options.hessian ? logInformation(options.hessian, params) : numericalHessian(objective, found.x).map((h) => h * count);
  const cov = inverseSpd(info, n);
  const standardErrors = params.map((p, i) => (cov ? p * Math.sqrt(cov[i * n + i]!) : NaN));
  return { params, standardErrors, logLikelihood: -found.value * count, iterations: found.iterations, converged: found.converged };
}

/**
 * The observed information in log-parameters from the Hessian H and gradient g in natural ones: for phi = ln theta,
 * d2(-ln L)/dphi_i dphi_j = -(theta_i theta_j H_ij + [i = j] theta_i g_i), what differences of the log-gradient give.
 */
function logInformation(hessian: LogLikelihoodHessian, theta: Float64Array): Float64Array {
  const n = theta.length;
  const g = new Float64Array(n);
  const H = new Float64Array(n * n);
  hessian(theta, g, H);
  return H.map((h, k) => {
    const [i, j] = [Math.floor(k / n), k % n];
    return -(theta[i]! * theta[j]! * h + (i === j ? theta[i]! * g[i]! : 0));
  });
}
