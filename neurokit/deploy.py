"""Deploy an LMU memory to the Loihi emulator and report what the chip costs.

``deploy`` runs one spec three ways: on the emulator with a hardware
profile, on Nengo's reference simulator for the same network and neuron
type, and as the ideal discrete system. The report holds their errors and
ratio, the cores and per-core resources read from the built blocks, the
weight-quantization loss, spike and synaptic-operation counts, and an
energy estimate with the profile's source.
"""

import json
import os
import tempfile
from pathlib import Path

from neurokit.analysis import evaluate
from neurokit.backends.loihi import LoihiBackend, LoihiReferenceBackend
from neurokit.hardware import HardwareProfile, load_profile
from neurokit.task import build_task


def deploy(spec, profile="loihi", seed=0):
    """Run a spec on the emulator and on the reference simulator; return the report dict."""
    if not isinstance(profile, HardwareProfile):
        profile = load_profile(profile)
    task = build_task(spec, seed)
    m = spec.n_neurons

    chip_run = LoihiBackend(profile).run(task, m, "poisson")
    reference_run = LoihiReferenceBackend(profile).run(task, m, "poisson")
    chip_metrics = evaluate(chip_run, spec.settle)
    reference_metrics = evaluate(reference_run, spec.settle)

    extra = chip_run.extra
    resources = extra["resources"]
    report = {
        "spec": spec.name,
        "profile": profile.name,
        "profile_kind": profile.kind,
        "profile_path": profile.path,
        "seed": seed,
        "n_neurons": m,
        "order": spec.order,
        "theta_s": spec.theta,
        "tau_s": spec.tau,
        "dt_s": spec.dt,
        "duration_s": spec.duration,
        "max_rate_hz": min(spec.max_rate, profile.max_rate),
        "chip_neuron_type": profile.neuron_type,
        "nrmse": {
            "emulator": chip_metrics["nrmse"],
            "reference": reference_metrics["nrmse"],
            "ideal": chip_metrics["ideal_nrmse"],
        },
        "state_nrmse": {
            "emulator": chip_metrics["state_nrmse"],
            "reference": reference_metrics["state_nrmse"],
        },
        "ratio": {
            "nrmse": chip_metrics["nrmse"] / reference_metrics["nrmse"],
            "state_nrmse": chip_metrics["state_nrmse"] / reference_metrics["state_nrmse"],
        },
        "cores": len(resources),
        "max_cores": profile.max_cores,
        "resources": resources,
        "quantization_loss": extra["quantization_loss"],
        "n_spikes": extra["n_spikes"],
        "synops": extra["synops"],
        "energy": {
            "estimate_j": extra["energy_j"],
            "synop_pj": profile.synop_pj,
            "source": profile.source("synop_pj"),
            "note": "estimate: synaptic operations times the profile's energy per operation",
        },
        "mismatch": {key: getattr(profile, key)
                     for key in ("gain_std", "bias_std", "tau_std", "temporal_noise", "seed")},
        "timing_s": {
            "emulator_build": chip_run.build_s, "emulator_run": chip_run.run_s,
            "reference_build": reference_run.build_s, "reference_run": reference_run.run_s,
        },
        "warnings": extra["warnings"],
    }
    return report


def format_report(report):
    """Return the deploy report as text for a terminal."""
    nrmse = report["nrmse"]
    state = report["state_nrmse"]
    energy = report["energy"]
    lines = [
        f"deploy {report['spec']} on {report['profile']} ({report['profile_kind']}), "
        f"m = {report['n_neurons']}, d = {report['order']}, seed {report['seed']}",
        f"  chip neurons: {report['chip_neuron_type']} at max {report['max_rate_hz']:g} Hz",
        "",
        "  error (NRMSE)        delayed output   state",
        f"    emulator           {nrmse['emulator']:14.4f}   {state['emulator']:.4f}",
        f"    reference (Nengo)  {nrmse['reference']:14.4f}   {state['reference']:.4f}",
        f"    ideal system       {nrmse['ideal']:14.4f}   0",
        f"    emulator/reference {report['ratio']['nrmse']:14.2f}   "
        f"{report['ratio']['state_nrmse']:.2f}",
        "",
        f"  cores used: {report['cores']} of {report['max_cores']}",
        "    core  compartments      input axons      output axons     synapse memory",
    ]
    for index, core in enumerate(report["resources"]):
        cells = [_utilization(core, key) for key in
                 ("compartments", "input_axons", "output_axons", "synapse_bits")]
        lines.append(f"    {index:4d}  " + "".join(f"{cell:17s}" for cell in cells))
    lines += [
        f"  weight quantization loss: {report['quantization_loss']:.2%} relative RMS",
        f"  spikes: {report['n_spikes']:,}   synaptic operations: {report['synops']:,}",
        f"  energy (estimate): {energy['estimate_j'] * 1e6:.3g} uJ at "
        f"{energy['synop_pj']:g} pJ per synaptic operation",
        f"    source: {energy['source']}",
    ]
    if report["warnings"]:
        lines.append("  nengo-loihi warnings:")
        lines += [f"    - {text}" for text in report["warnings"]]
    return "\n".join(lines)


def write_report(report, out_dir):
    """Write ``out_dir/deploy-<spec>-<profile>.json`` atomically; return its path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"deploy-{report['spec']}-{report['profile']}.json"
    handle = tempfile.NamedTemporaryFile("w", dir=out_dir, suffix=".partial", delete=False)
    with handle:
        json.dump(report, handle, indent=2)
        handle.write("\n")
    # NamedTemporaryFile creates the file private (0600); a report is not.
    os.chmod(handle.name, 0o644)
    os.replace(handle.name, path)
    return path


def _utilization(core, key):
    used, limit = core[key], core[f"{key}_max"]
    return f"{used}/{limit} {used / limit:4.0%}"
