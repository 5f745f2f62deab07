// The LSTM's recurrence with each step's elementwise work fused into one loop.
//
// companion/lstm_native.py builds this file with torch.utils.cpp_extension and explains it;
// chapter "LSTM", section "Making it fast", walks through it. The layout is the one of
// companion/lstm_function.py's rows: a step's pre-activations are (B, 4H) with the gates' blocks
// in the order i, f, C~, o, and states are (B, H). Per step, the recurrent product is one BLAS
// call (at::addmm_), and everything else -- four nonlinearities, the cell update, tanh(C_t) and
// h_t -- is one pass over the step's numbers instead of eight kernel launches, each of which
// would read and write all of them.
#include <ATen/ATen.h>
#include <ATen/Dispatch.h>
#include <torch/library.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <tuple>

using at::Tensor;

namespace {

// exp(x) for float in plain arithmetic, so that the compiler vectorises the loops that call it
// (a call to expf would stop it): x = n ln 2 + r with |r| <= ln(2)/2, exp(r) by Cephes' degree-6
// polynomial (relative error under 2e-7), and 2^n written into the exponent bits.
inline float exp_arith(float x) {
  x = x < -87.0f ? -87.0f : x;  // (a NaN passes through both)
  x = x > 88.0f ? 88.0f : x;
  const float shifter = 12582912.0f;  // 1.5 * 2^23: adding and subtracting it rounds to an integer
  float n = (x * 1.44269504088896341f + shifter) - shifter;
  float r = x - n * 0.693359375f;  // ln 2 in two parts, so that n * ln 2 loses no digits
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

inline double exp_arith(double x) { return std::exp(x); }  // double: the gradient checks' accuracy

template <typename scalar_t>
inline scalar_t sigmoid(scalar_t z) { return scalar_t(1) / (scalar_t(1) + exp_arith(-z)); }

template <typename scalar_t>  // tanh(z) = 2 sigmoid(2z) - 1
inline scalar_t tanh_arith(scalar_t z) { return scalar_t(2) * sigmoid(scalar_t(2) * z) - scalar_t(1); }

// One forward step for a batch. gates (B, 4H) holds x_t W_x + b + h_{t-1} W_h on entry and
// i, f, C~, o on return; c_prev, c, tanh_c and h are (B, H).
template <typename scalar_t>
void forward_step(scalar_t* gates, const scalar_t* c_prev, scalar_t* c, scalar_t* tanh_c,
                  scalar_t* h, int64_t B, int64_t H) {
  for (int64_t b = 0; b < B; ++b) {
    scalar_t* i = gates + b * 4 * H;
    scalar_t* f = i + H;
    scalar_t* g = i + 2 * H;
    scalar_t* o = i + 3 * H;
    const int64_t row = b * H;
#pragma omp simd
    for (int64_t j = 0; j < H; ++j) {
      const scalar_t i_j = sigmoid(i[j]), f_j = sigmoid(f[j]), g_j = tanh_arith(g[j]), o_j = sigmoid(o[j]);
      const scalar_t c_j = f_j * c_prev[row + j] + i_j * g_j;
      const scalar_t t_j = tanh_arith(c_j);
      i[j] = i_j; f[j] = f_j; g[j] = g_j; o[j] = o_j;
      c[row + j] = c_j;
      tanh_c[row + j] = t_j;
      h[row + j] = o_j * t_j;
    }
  }
}

// One backward step. On entry dh and dc are the total gradients reaching h_t and C_t (the
// output's own gradient already added); d_gates (B, 4H) receives the pre-activations' gradients
// and dc becomes the gradient reaching C_{t-1}.
template <typename scalar_t>
void backward_step(const scalar_t* gates, const scalar_t* c_prev, const scalar_t* tanh_c,
                   const scalar_t* dh, scalar_t* dc, scalar_t* d_gates, int64_t B, int64_t H) {
  for (int64_t b = 0; b < B; ++b) {
    const scalar_t* i = gates + b * 4 * H;
    const scalar_t* f = i + H;
    const scalar_t* g = i + 2 * H;
    const scalar_t* o = i + 3 * H;
    scalar_t* d_i = d_gates + b * 4 * H;
    const int64_t row = b * H;
#pragma omp simd
    for (int64_t j = 0; j < H; ++j) {
      const scalar_t t_j = tanh_c[row + j], o_j = o[j], i_j = i[j], f_j = f[j], g_j = g[j];
      const scalar_t dh_j = dh[row + j];
      const scalar_t dc_j = dc[row + j] + dh_j * o_j * (scalar_t(1) - t_j * t_j);
      d_i[j] = dc_j * g_j * i_j * (scalar_t(1) - i_j);
      d_i[H + j] = dc_j * c_prev[row + j] * f_j * (scalar_t(1) - f_j);
      d_i[2 * H + j] = dc_j * i_j * (scalar_t(1) - g_j * g_j);
      d_i[3 * H + j] = dh_j * t_j * o_j * (scalar_t(1) - o_j);
      dc[row + j] = dc_j * f_j;
    }
  }
}

void check_contiguous(const Tensor& t, const char* name) {
  TORCH_CHECK(t.is_contiguous(), "lstm_native: ", name, " must be contiguous");
  TORCH_CHECK(t.device().is_cpu(), "lstm_native: ", name, " must be on the CPU");
}

}  // namespace

// The whole forward recurrence. gates (T, B, 4H): the input projections x_t W_x + b on entry,
// the activations i, f, C~, o on return. hs and cs (T + 1, B, H) hold h_0 and C_0 in their
// first row on entry; all their rows and tanh_cs (T, B, H) are written.
void lstm_forward(Tensor gates, const Tensor& W_h, Tensor hs, Tensor cs, Tensor tanh_cs) {
  check_contiguous(gates, "gates");
  check_contiguous(hs, "hs");
  check_contiguous(cs, "cs");
  check_contiguous(tanh_cs, "tanh_cs");
  const int64_t T = gates.size(0), B = gates.size(1), H = hs.size(2);
  AT_DISPATCH_FLOATING_TYPES(gates.scalar_type(), "lstm_forward", [&] {
    for (int64_t t = 0; t < T; ++t) {
      Tensor pre = gates[t];
      pre.addmm_(hs[t], W_h);  // + h_{t-1} W_h
      forward_step<scalar_t>(pre.data_ptr<scalar_t>(), cs[t].data_ptr<scalar_t>(),
                             cs[t + 1].data_ptr<scalar_t>(), tanh_cs[t].data_ptr<scalar_t>(),
                             hs[t + 1].data_ptr<scalar_t>(), B, H);
    }
  });
}

// The whole backward recurrence. d_hs (T, B, H) holds the outputs' gradients (it is added into
// in place, as the gradient reaching each h_{t-1}), or is undefined; dh and dc (B, H) hold the
// gradients of h_T and C_T and are overwritten with those of h_0 and C_0; d_cs is the cell
// states' gradient or undefined; d_gates (T, B, 4H) receives the pre-activations' gradients.
void lstm_backward(const Tensor& gates, const Tensor& cs, const Tensor& tanh_cs, const Tensor& W_h,
                   const c10::optional<Tensor>& d_hs, Tensor dh, Tensor dc,
                   const c10::optional<Tensor>& d_cs, Tensor d_gates) {
  check_contiguous(gates, "gates");
  check_contiguous(cs, "cs");
  check_contiguous(tanh_cs, "tanh_cs");
  check_contiguous(dh, "dh");
  check_contiguous(dc, "dc");
  check_contiguous(d_gates, "d_gates");
  const bool has_d_hs = d_hs.has_value() && d_hs->defined();
  const bool has_d_cs = d_cs.has_value() && d_cs->defined();
  const int64_t T = gates.size(0), B = gates.size(1), H = cs.size(2);
  const Tensor W_h_t = W_h.t();
  if (has_d_hs) dh.add_((*d_hs)[T - 1]);
  AT_DISPATCH_FLOATING_TYPES(gates.scalar_type(), "lstm_backward", [&] {
    Tensor dh_t = dh;  // the gradient reaching h_t: dh, or a row of d_hs, which holds it in place
    for (int64_t t = T - 1; t >= 0; --t) {
      if (has_d_cs) dc.add_((*d_cs)[t]);
      Tensor d_pre = d_gates[t];
      backward_step<scalar_t>(gates[t].data_ptr<scalar_t>(), cs[t].data_ptr<scalar_t>(),
                              tanh_cs[t].data_ptr<scalar_t>(), dh_t.data_ptr<scalar_t>(),
                              dc.data_ptr<scalar_t>(), d_pre.data_ptr<scalar_t>(), B, H);
      if (t > 0 && has_d_hs) {
        dh_t = (*d_hs)[t - 1];
        dh_t.addmm_(d_pre, W_h_t);  // dh_{t-1}: the output's own gradient + d_pre W_h^T
      } else {
        at::mm_out(dh, d_pre, W_h_t);  // dh has been read: it takes dh_{t-1}
        dh_t = dh;
      }
    }
  });
}

TORCH_LIBRARY(companion_lstm_native, m) {
  m.def("forward(Tensor(a!) gates, Tensor W_h, Tensor(b!) hs, Tensor(c!) cs, Tensor(d!) tanh_cs) -> ()",
        lstm_forward);
  m.def("backward(Tensor gates, Tensor cs, Tensor tanh_cs, Tensor W_h, Tensor(a!)? d_hs, "
        "Tensor(b!) dh, Tensor(c!) dc, Tensor? d_cs, Tensor(d!) d_gates) -> ()",
        lstm_backward);
}
