"""Write the figure notebooks (outputs cleared) from the cell sources below: ``python notebooks/_generate.py``.

Each notebook is a list of ("md" | "code" | "params", source) cells; the "params" cell is tagged ``parameters``.
Edit here, regenerate, then ``ruff check notebooks && ruff format notebooks``.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

HERE = Path(__file__).parent

SETUP = """\
from pathlib import Path

import jax.numpy as jnp
import jax.random as jr
import matplotlib.pyplot as plt
import numpy as np

import dmft
import fixedpoints
import lyapunov
import neurosyn as ns
import phases
import spectra

FIG = Path("figures")
FIG.mkdir(exist_ok=True)


def save(fig, name, gallery=False):
    \"\"\"Save a figure to notebooks/figures/ (and a 600 px wide copy for docs/gallery when asked).\"\"\"
    fig.savefig(FIG / f"{name}.png", dpi=110, bbox_inches="tight")
    if gallery:
        fig.savefig(FIG / f"gallery_{name}.png", dpi=600 / fig.get_size_inches()[0])
"""

NOTEBOOKS: dict[str, list[tuple[str, str]]] = {}

# ---------------------------------------------------------------------------------------------------------------
NOTEBOOKS["02_correlations"] = [
    ("md", """\
# Fig. 2 — correlation functions, timescale and spectra at g > 1

**Question.** How does plasticity of strength k change the chaotic state of a g > 1 network?

The stationary DMFT (Clark & Abbott 2024, Eqs. 6–8) is the single site

$$(1+\\partial_t)\\,x = \\eta + \\frac{k}{p}\\int_{-\\infty}^{t} e^{-(t-t')/p}\\,C(t-t')\\,\\phi(x(t'))\\,dt',\\qquad
\\langle\\eta(t)\\eta(t+\\tau)\\rangle = g^2 C(\\tau),\\qquad C(\\tau)=\\langle\\phi(t)\\phi(t+\\tau)\\rangle,$$

solved self-consistently by `dmft.solve_dmft` and compared with finite-N simulations (`neurosyn.simulate`).
Derived: the timescale $\\tau^* = \\int_0^\\infty (C(\\tau)/C(0))^2 d\\tau$ (Eq. 9), the normalised spectrum
$S(f) = |\\hat C(f)|^2/|\\hat C(0)|^2$ and, for k < 0, the zero-crossing frequency $1/(\\tau_3-\\tau_1)$.
At k = 0 everything reduces to the exact Sompolinsky–Crisanti–Sommers (SCS) solution (`dmft.solve_scs`):
C(0) = 0.513 and τ* = 3.72 at g = 2."""),
    ("params", """\
QUICK = True  # QUICK run: ~{t02} on an idle 2-core machine; False: paper-scale settings (tens of minutes)
seed = 0
g = 2.0  # panels (a) and (c)
p = 2.5
if QUICK:
    N, T, t_burn = 300, 400.0, 150.0  # simulation size and length
    k_values = (-3.0, -1.0, 0.0, 1.0, 2.0)
    g_tau, p_tau, k_tau = (2.0, 4.0), (2.5, 10.0), (-2.0, 0.0, 1.5)  # panel (b)
    n_samples, dt_dmft = 256, 0.2
else:  # paper: k = -5 ... 2 (10 values), g = 2..5 and p = 2.5, 10, 20 over k in [-3, 3]
    N, T, t_burn = 2000, 3000.0, 300.0
    k_values = (-5.0, -4.0, -3.0, -2.0, -1.0, 0.0, 0.5, 1.0, 1.5, 2.0)
    g_tau, p_tau = (2.0, 3.0, 4.0, 5.0), (2.5, 10.0, 20.0)
    k_tau = tuple(np.linspace(-3.0, 3.0, 13))
    n_samples, dt_dmft = 2048, 0.1"""),
    ("code", SETUP),
    ("md", "## (a) C(τ): DMFT against simulation"),
    ("code", """\
key = jr.key(seed)
method = dmft.Stationary(dt=dt_dmft, n_samples=n_samples, n_batches=4)
record = ns.Record(dt=0.2, units=(0, 1, 2), tau_max=20.0)
theory, sims = {}, {}
for i, k in enumerate(k_values):
    net = ns.Network(N=N, g=g, k=k, p=p)
    theory[k] = dmft.solve_dmft(net, method, key=jr.fold_in(key, i))
    sims[k] = ns.simulate(net, T, key=jr.fold_in(key, 100 + i), record=record, t_burn=t_burn)
    print(f"k={k:+.1f}: C(0) DMFT {float(theory[k].C0):.3f} ± {float(theory[k].C_err[0]):.3f}, "
          f"sim {float(sims[k].C0):.3f};  tau* DMFT {float(theory[k].tau_star):.2f}")

colors = plt.cm.coolwarm(np.linspace(0, 1, len(k_values)))
fig, ax = plt.subplots(figsize=(6, 4))
for c, k in zip(colors, k_values, strict=True):
    sol, sim = theory[k], sims[k]
    lags = np.asarray(sol.lags)
    sel = lags <= 20
    ax.plot(np.r_[-lags[sel][::-1], lags[sel]], np.r_[np.asarray(sol.C)[sel][::-1], np.asarray(sol.C)[sel]],
            color=c, label=f"k = {k:g}")
    ax.plot(np.r_[-np.asarray(sim.lags)[::-1], sim.lags], np.r_[np.asarray(sim.C)[::-1], sim.C], "--", color=c)
ax.axhline(0, color="0.7", lw=0.5)
ax.set(xlabel="τ", ylabel="C(τ)", title=f"g = {g}, p = {p}: DMFT (solid), N = {N} (dashed)", xlim=(-20, 20))
ax.legend(fontsize=7, ncol=2)
save(fig, "02a_correlations", gallery=True)"""),
    ("md", "## (b) τ* against k for several g and p (dashed: τ* = p)"),
    ("code", """\
tau = {}
for gi in g_tau:
    for pi in p_tau:
        for j, k in enumerate(k_tau):
            if k == 0.0:  # exact SCS value, the same for every p
                tau[gi, pi, k] = dmft.solve_scs(gi).tau_star
                continue
            net = ns.Network(N=1, g=gi, k=k, p=pi)
            tau[gi, pi, k] = float(dmft.solve_dmft(net, method, key=jr.fold_in(key, 1000 + j)).tau_star)

fig, axes = plt.subplots(1, len(p_tau), figsize=(3 * len(p_tau), 3), sharey=True, squeeze=False)
for ax, pi in zip(axes[0], p_tau, strict=True):
    for gi in g_tau:
        ax.plot(k_tau, [tau[gi, pi, k] for k in k_tau], "o-", label=f"g = {gi:g}")
    ax.axhline(pi, ls="--", color="0.5")
    ax.set(yscale="log", xlabel="k", title=f"p = {pi:g}")
axes[0, 0].set_ylabel("τ*")
axes[0, 0].legend(fontsize=7)
save(fig, "02b_tau_star")"""),
    ("md", "## (c) Normalised spectra S(f) with the zero-crossing frequencies (triangles)"),
    ("code", """\
fig, ax = plt.subplots(figsize=(6, 3.5))
for c, k in zip(colors, k_values, strict=True):
    sol = theory[k]
    ax.plot(sol.f, sol.S, color=c, label=f"k = {k:g}")
    f_sim, S_sim = dmft.spectrum(sims[k].C, sims[k].lags)
    ax.plot(f_sim, S_sim, "--", color=c, lw=0.8)
    if np.isfinite(sol.freq):
        ax.plot(sol.freq, 1.05, "v", color=c)
ax.set(xlim=(0, 0.3), yscale="log", ylim=(1e-4, 1.3), xlabel="f", ylabel="S(f)")
ax.legend(fontsize=7, ncol=2)
save(fig, "02c_spectra")
f_osc = {k: float(theory[k].freq) for k in k_values if k < 0}
print("zero-crossing frequencies (DMFT):", f_osc)"""),
    ("md", """\
## Check against theory
At k = 0 the DMFT and the simulation must reproduce the exact SCS solution: the DMFT C(0) within its own
statistical error (4 standard errors) plus 0.01 for the coarse QUICK time step; the simulated C(0), a time and
population average, within 1.5/√N (finite-N corrections and the seed-to-seed spread are O(1/√N); at N = 300
the spread across seeds is about 0.02). Plasticity must order C(0) and τ* (both grow with k) and anti-Hebbian
curves must oscillate."""),
    ("code", """\
scs = dmft.solve_scs(g)
C0_dmft, C0_err = float(theory[0.0].C0), float(theory[0.0].C_err[0])
C0_sim = float(sims[0.0].C0)
print(f"C(0): SCS {scs.C0:.4f}, DMFT {C0_dmft:.4f} ± {C0_err:.4f}, sim (N={N}) {C0_sim:.4f}")
assert abs(C0_dmft - scs.C0) < 4 * C0_err + 0.01
assert abs(C0_sim - scs.C0) < 1.5 / np.sqrt(N)
assert np.all(np.diff([float(theory[k].C0) for k in k_values]) > 0)
assert np.all(np.diff([float(theory[k].tau_star) for k in k_values]) > 0)
assert all(np.isfinite(f) and f > 0 for f in f_osc.values())"""),
]

# ---------------------------------------------------------------------------------------------------------------
NOTEBOOKS["03_plasticity_induced_chaos"] = [
    ("md", """\
# Fig. 3 — plasticity-induced chaos at g < 1

**Question.** Below g = 1 the trivial fixed point is stable; can Hebbian plasticity sustain chaos there?

For g < 1 and τ* ≫ p the plastic kernel is flat over its support and the DMFT single site becomes the Stern
model with self-coupling s = kC(0) (Eqs. 10–11):

$$(1+\\partial_t)x = \\eta + s\\,\\phi(x),\\qquad \\langle\\eta\\eta\\rangle = g^2C.$$

A Stern solution solves the plastic model iff $y(s) \\equiv s/C(0; g, s) = k$, so the chaotic branch exists for
$k > k_{crit}(g) = \\min_s s/C(0;g,s)$ — a first-order line (`dmft.k_crit`, `dmft.stern_C0`). In finite
networks, prepared by deformation from g > 1 (`neurosyn.deform`), the chaos is transient; its median lifetime
grows exponentially with N (linear in log)."""),
    ("params", """\
QUICK = True  # QUICK run: ~{t03} on an idle 2-core machine; False: paper-scale settings (hours)
seed = 0
g, p = 0.9, 2.5
k_values = (1.55, 1.60, 1.65)
if QUICK:
    N, T = 200, 600.0  # panel (a) simulation
    N_life, n_life, T_cap = (40, 60, 80), 8, 3000.0  # panel (b): sizes, networks per size, run cap
    g_stern = (0.9, 1.1)  # panel (c); g < 1 curves come from the k_crit minimisation
    s_grid = (0.3, 0.8, 1.4, 2.0)  # s values of the g >= 1 curves
    deform_kw = dict(g_start=1.2, g_step=0.1, t_step=40.0)
    n_samples = 256
else:  # paper: N = 200..1000 for lifetimes with 10^7 cap, g = 0.8, 0.9, 1.0, 1.1 in (c)
    N, T = 2000, 4000.0
    N_life, n_life, T_cap = (200, 400, 600, 800, 1000), 100, 1e7
    g_stern = (0.8, 0.9, 1.0, 1.1)
    s_grid = tuple(np.linspace(0.05, 2.0, 40))
    deform_kw = dict(g_start=1.4, g_step=0.05, t_step=60.0)
    n_samples = 2048"""),
    ("code", SETUP),
    ("md", "## (a) C(τ): DMFT on the plasticity-induced branch against deformed simulations"),
    ("code", """\
key = jr.key(seed)
method = dmft.Stationary(dt=0.2, n_samples=n_samples, n_batches=4, init="exp", init_C0=0.8, init_tau=40.0)
theory, sims = {}, {}
for i, k in enumerate(k_values):
    net = ns.Network(N=N, g=g, k=k, p=p)
    theory[k] = dmft.solve_dmft(net, method, key=jr.fold_in(key, i))
    state, J0 = ns.deform(net, key=jr.fold_in(key, 10 + i), **deform_kw)
    sims[k] = ns.simulate(net, T, key=jr.fold_in(key, 20 + i), x0=state.x, A0=state.A, J0=J0, t_burn=T / 3,
                          record=ns.Record(dt=0.5, units=(0, 1, 2), tau_max=100.0))
    print(f"k={k}: C(0) DMFT {float(theory[k].C0):.3f} ± {float(theory[k].C_err[0]):.3f}, "
          f"sim {float(sims[k].C0):.3f}, tau* DMFT {float(theory[k].tau_star):.1f}")

fig, ax = plt.subplots(figsize=(6, 4))
for c, k in zip(("C0", "C1", "C2"), k_values, strict=True):
    sol, sim = theory[k], sims[k]
    lags, C = np.asarray(sol.lags), np.asarray(sol.C)
    sel = lags <= 100
    ax.plot(np.r_[-lags[sel][::-1], lags[sel]], np.r_[C[sel][::-1], C[sel]], color=c, label=f"k = {k}")
    ax.plot(np.r_[-np.asarray(sim.lags)[::-1], sim.lags], np.r_[np.asarray(sim.C)[::-1], sim.C], "--", color=c)
ax.set(xlabel="τ", ylabel="C(τ)", xlim=(-100, 100), title=f"g = {g}: DMFT (solid), N = {N} (dashed)")
ax.legend()
save(fig, "03a_correlations", gallery=True)"""),
    ("md", """\
## (b) Lifetime of transient chaos against N
Networks are prepared by deformation and run until ‖x‖/√N < 10⁻³ (collapse to the trivial fixed point) or
`T_cap`; capped runs are counted at `T_cap` (the median is unaffected while fewer than half are capped)."""),
    ("code", """\
record_life = ns.Record(dt=1.0, units=(0,), tau_max=0.0)
lifetimes = {}
for i, k in enumerate(k_values):
    for j, n in enumerate(N_life):
        net = ns.Network(N=n, g=g, k=k, p=p)
        state, J0 = ns.deform(net, key=jr.fold_in(key, 1000 * i + j), n_networks=n_life, **deform_kw)
        sim = ns.simulate(net, T_cap, key=jr.fold_in(key, 5000 + 1000 * i + j), n_networks=n_life,
                          x0=state.x, A0=state.A, J0=J0, record=record_life, t_burn=0.0)
        dead = np.asarray(sim.x2) < 1e-6  # (1/N)‖x‖² < (1e-3)²
        first = np.where(dead.any(axis=1), dead.argmax(axis=1), len(sim.t) - 1)
        lifetimes[k, n] = np.asarray(sim.t)[first]
median = {kn: np.median(v) for kn, v in lifetimes.items()}

fig, (ax, ax2) = plt.subplots(1, 2, figsize=(8, 3))
for c, k in zip(("C0", "C1", "C2"), k_values, strict=True):
    ax.plot(N_life, [np.log10(median[k, n]) for n in N_life], "o-", color=c, label=f"k = {k}")
    ax2.hist(np.log10(lifetimes[k, N_life[-1]]), bins=8, histtype="step", color=c)
ax.axhline(np.log10(T_cap), ls=":", color="0.5")
ax.set(xlabel="N", ylabel="median log₁₀ lifetime")
ax.legend(fontsize=7)
ax2.set(xlabel=f"log₁₀ lifetime (N = {N_life[-1]})", ylabel="count")
save(fig, "03b_lifetimes")"""),
    ("md", "## (c) The construction of k_crit: y(s) = s / C(0; g, s) for the Stern model"),
    ("code", """\
kc = {gi: dmft.k_crit(gi, key=jr.fold_in(key, 77)) for gi in g_stern if gi < 1}
curves = {gi: (np.asarray(r.s_evaluated), np.asarray(r.y_evaluated)) for gi, r in kc.items()}
stern = dmft.Stationary(dt=0.2, n_samples=n_samples, n_batches=4, t_max_limit=400.0)
for gi in g_stern:
    if gi >= 1:
        C0s = [float(dmft.stern_C0(gi, s, key=jr.fold_in(key, 77), method=stern).C0) for s in s_grid]
        curves[gi] = (np.asarray(s_grid), np.asarray(s_grid) / np.asarray(C0s))
fig, ax = plt.subplots(figsize=(5, 3.5))
for gi, (s, y) in sorted(curves.items()):
    order = np.argsort(s)
    ax.plot(s[order], y[order], "o-", label=f"g = {gi}")
for gi, r in kc.items():
    ax.plot(r.s, r.k_crit, "k*", ms=10)
for k in k_values:
    ax.axhline(k, ls="--", color="0.6", lw=0.7)
ax.set(xlim=(0, 2), ylim=(0, 3), xlabel="s", ylabel="y(s) = s / C(0; g, s)")
ax.legend(fontsize=7)
save(fig, "03c_stern_construction")
for gi, r in kc.items():
    print(f"k_crit({gi}) = {r.k_crit:.3f} ± {r.y_err:.3f} at s = {r.s:.3f}")"""),
    ("md", """\
## Check against theory
The plasticity-induced branch exists because k_crit(0.9) < 1.55 (the line runs from 2.017 at g = 0 to 1 at
g = 1), and the deformed simulation at the largest k must sit on it: simulated C(0) within 3/√N of the DMFT
(the finite-N spread; the DMFT's own error is added). Lifetimes must grow with N."""),
    ("code", """\
k_line = kc[g].k_crit
print(f"k_crit({g}) = {k_line:.3f}")
assert 1.0 < k_line < min(k_values)
k = k_values[-1]
diff = abs(float(sims[k].C0) - float(theory[k].C0))
print(f"|C0_sim - C0_DMFT| = {diff:.3f} (tolerance {3 / np.sqrt(N) + 4 * float(theory[k].C_err[0]):.3f})")
assert diff < 3 / np.sqrt(N) + 4 * float(theory[k].C_err[0])
assert median[k, N_life[-1]] > median[k, N_life[0]]"""),
]

# ---------------------------------------------------------------------------------------------------------------
NOTEBOOKS["04_jacobian_spectra"] = [
    ("md", """\
# Fig. 4 — Jacobian spectra of the joint neuron–synapse system

**Question.** What does the linearised dynamics around a chaotic state look like, and how synaptic is each mode?

The full (N + N²)-dimensional Jacobian has the eigenvalue −1/p with multiplicity N² − N; the remaining 2N
eigenvalues are those of the reduced Jacobian M̃ (Eq. 18, `spectra.jacobian_spectrum`). Each eigenmode's
synaptic weight is exactly $f_a(\\lambda) = k^2/(k^2 + p^2|\\lambda + 1/p|^2)$ (Eq. 19). As N → ∞ the bulk
fills the support $\\{\\lambda: S(\\lambda)\\ge 1\\}$ with

$$S(\\lambda) = \\Big\\langle \\Big|\\frac{g(1+p\\lambda)}{(1+p\\lambda)(1+\\lambda)/\\phi'(x) - kC(0)}\\Big|^2
\\Big\\rangle_x$$

(Eq. 21, `spectra.spectral_support`), averaged over the DMFT distribution of x. At k = 0 it is the disk
$|1+\\lambda| \\le g\\sqrt{\\langle\\phi'^2\\rangle}$ (radius 1.192 at g = 2)."""),
    ("params", """\
QUICK = True  # QUICK run: ~{t04} on an idle 2-core machine; False: paper-scale settings (~1 h)
seed = 0
p = 2.5
if QUICK:
    N, T = 150, 300.0
    g_values, k_values = (1.5, 3.0), (2.0, 0.0, -2.0)
    n_samples, n_grid = 256, 161
else:  # paper: g in {1.5, 2, 2.5, 3} x k in {2, 1, 0, -1, -2}; N = 1000 (2000 x 2000 eigensolve)
    N, T = 1000, 500.0
    g_values, k_values = (1.5, 2.0, 2.5, 3.0), (2.0, 1.0, 0.0, -1.0, -2.0)
    n_samples, n_grid = 2048, 401"""),
    ("code", SETUP),
    ("code", """\
key = jr.key(seed)
method = dmft.Stationary(dt=0.2, n_samples=n_samples, n_batches=4)
panels, support = {}, {}
for i, g in enumerate(g_values):
    for j, k in enumerate(k_values):
        net = ns.Network(N=N, g=g, k=k, p=p)
        sol = dmft.solve_dmft(net, method, key=jr.fold_in(key, 10 * i + j))
        theory = spectra.spectral_support(g, k, p, float(sol.C0), sol.x_samples, n_grid=n_grid)
        sim = ns.simulate(net, T, key=jr.fold_in(key, 100 + 10 * i + j),
                          record=ns.Record(dt=0.5, units=(0,), tau_max=0.0))
        spec = spectra.jacobian_spectrum(net, sim.J, sim.state)
        panels[g, k] = (spec, theory)
        support[g, k] = theory
        n_out = spectra.count_outliers(spec.eigenvalues, theory, N=N)
        print(f"g={g}, k={k:+}: topology {theory.topology}, max Re theory {float(theory.max_real):.3f}, "
              f"sim {float(spec.max_real):.3f}, outliers {n_out}, f_a error {float(spec.f_a_error):.1e}")
fig, axes = spectra.plot_spectrum_grid(panels, p)
save(fig, "04_jacobian_spectra", gallery=True)
fig"""),
    ("md", """\
## Check against theory
At k = 0 the support is the SCS disk: its radius g√⟨φ′²⟩ from the DMFT samples must equal the exact SCS radius
(within 0.02, the Monte Carlo error of ⟨φ′²⟩ from a few hundred single sites), and the rightmost simulated
eigenvalue must lie within 2/√N of the edge −1 + radius (finite-N edge fluctuations). Everywhere the
eigenvector weights must match Eq. 19 to 1e-8 (an exact identity)."""),
    ("code", """\
for g in g_values:
    scs = dmft.solve_scs(g)
    spec, theory = panels[g, 0.0]
    edge_sim = float(np.max(np.real(np.asarray(spec.eigenvalues))))
    print(f"g={g}: radius theory {float(theory.radius_k0):.3f}, SCS {scs.radius:.3f}; "
          f"edge sim {edge_sim:.3f} vs {scs.radius - 1:.3f}")
    assert abs(float(theory.radius_k0) - scs.radius) < 0.02
    assert abs(edge_sim - (scs.radius - 1)) < 2 / np.sqrt(N)
assert max(float(spec.f_a_error) for spec, _ in panels.values()) < 1e-8"""),
]

# ---------------------------------------------------------------------------------------------------------------
# Measured QUICK runtimes, filled into the parameters cells (update after timing on an idle machine).
RUNTIMES = {
    "t01": "?? s",
    "t02": "?? s",
    "t03": "?? s",
    "t04": "?? s",
    "t05": "?? s",
    "t06": "?? s",
    "t07": "?? s",
    "t08": "?? s",
}


def build(name: str, cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for kind, src in cells:
        if kind == "md":
            nb.cells.append(nbformat.v4.new_markdown_cell(src))
        elif kind == "params":
            cell = nbformat.v4.new_code_cell(src.replace("{t" + name[:2] + "}", RUNTIMES["t" + name[:2]]))
            cell.metadata["tags"] = ["parameters"]
            nb.cells.append(cell)
        else:
            nb.cells.append(nbformat.v4.new_code_cell(src))
    for i, cell in enumerate(nb.cells):  # stable ids keep regenerated files diff-free
        cell["id"] = f"{name[:2]}-{i:02d}"
    return nb


def main(names=None) -> None:
    for name, cells in NOTEBOOKS.items():
        if names and name not in names:
            continue
        nbformat.write(build(name, cells), HERE / f"{name}.ipynb")


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
