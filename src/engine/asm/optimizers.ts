// One-pass optimizer updates, four lanes at a time, over element ranges (threads take chunks): the same f32
// operations in the same order as tfjs's optimizers (each of its ops rounds to f32, as each f32x4 op does), so
// the results are the same to the bit. Every array is (n) floats; the new state goes to separate outputs.

// @ts-ignore: decorator
@inline function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

// m' = m*beta1 + g*(1-beta1); v' = v*beta2 + g*g*(1-beta2); w' = ((m'/c1) / (sqrt(v'/c2) + eps)) * -lr + w,
// c1 and c2 being 1 - beta^t (the bias corrections).
export function adamRange(
  g: usize, w: usize, m: usize, v: usize, mOut: usize, vOut: usize, wOut: usize, i0: i32, i1: i32,
  beta1: f32, beta2: f32, oneMinusBeta1: f32, oneMinusBeta2: f32, negLearningRate: f32, epsilon: f32, correction1: f32, correction2: f32,
): void {
  const b1 = f32x4.splat(beta1), b2 = f32x4.splat(beta2), omb1 = f32x4.splat(oneMinusBeta1), omb2 = f32x4.splat(oneMinusBeta2);
  const nlr = f32x4.splat(negLearningRate), eps = f32x4.splat(epsilon), c1 = f32x4.splat(correction1), c2 = f32x4.splat(correction2);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const gi = v128.load(at(g, i));
    const mi = f32x4.add(f32x4.mul(v128.load(at(m, i)), b1), f32x4.mul(gi, omb1));
    const vi = f32x4.add(f32x4.mul(v128.load(at(v, i)), b2), f32x4.mul(f32x4.mul(gi, gi), omb2));
    v128.store(at(mOut, i), mi);
    v128.store(at(vOut, i), vi);
    const step = f32x4.div(f32x4.div(mi, c1), f32x4.add(f32x4.sqrt(f32x4.div(vi, c2)), eps));
    v128.store(at(wOut, i), f32x4.add(f32x4.mul(step, nlr), v128.load(at(w, i))));
  }
  for (; i < i1; i++) {
    const gi = load<f32>(at(g, i));
    const mi = load<f32>(at(m, i)) * beta1 + gi * oneMinusBeta1;
    const vi = load<f32>(at(v, i)) * beta2 + gi * gi * oneMinusBeta2;
    store<f32>(at(mOut, i), mi);
    store<f32>(at(vOut, i), vi);
    const step = mi / correction1 / (sqrt<f32>(vi / correction2) + epsilon);
    store<f32>(at(wOut, i), step * negLearningRate + load<f32>(at(w, i)));
  }
}

// ag' = ag*rho + g*g*(1-rho); u = sqrt(au + eps) / sqrt(ag + eps) * g, tfjs's, which divides by the accumulated
// gradient from before this step, or with `keras` sqrt(ag' + eps) as Zeiler and Keras do; au' = au*rho + u*u*(1-rho);
// w' = u * -lr + w.
export function adadeltaRange(
  g: usize, w: usize, accGrad: usize, accUpdate: usize, accGradOut: usize, accUpdateOut: usize, wOut: usize, i0: i32, i1: i32,
  rho: f32, oneMinusRho: f32, epsilon: f32, negLearningRate: f32, keras: bool,
): void {
  const r = f32x4.splat(rho), omr = f32x4.splat(oneMinusRho), eps = f32x4.splat(epsilon), nlr = f32x4.splat(negLearningRate);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const gi = v128.load(at(g, i)), ag = v128.load(at(accGrad, i)), au = v128.load(at(accUpdate, i));
    const agNew = f32x4.add(f32x4.mul(ag, r), f32x4.mul(f32x4.mul(gi, gi), omr));
    v128.store(at(accGradOut, i), agNew);
    const u = f32x4.mul(f32x4.div(f32x4.sqrt(f32x4.add(au, eps)), f32x4.sqrt(f32x4.add(keras ? agNew : ag, eps))), gi);
    v128.store(at(accUpdateOut, i), f32x4.add(f32x4.mul(au, r), f32x4.mul(f32x4.mul(u, u), omr)));
    v128.store(at(wOut, i), f32x4.add(f32x4.mul(u, nlr), v128.load(at(w, i))));
  }
  for (; i < i1; i++) {
    const gi = load<f32>(at(g, i)), ag = load<f32>(at(accGrad, i)), au = load<f32>(at(accUpdate, i));
    const agNew = ag * rho + gi * gi * oneMinusRho;
    store<f32>(at(accGradOut, i), agNew);
    const u = sqrt<f32>(au + epsilon) / sqrt<f32>((keras ? agNew : ag) + epsilon) * gi;
    store<f32>(at(accUpdateOut, i), au * rho + u * u * oneMinusRho);
    store<f32>(at(wOut, i), u * negLearningRate + load<f32>(at(w, i)));
  }
}
