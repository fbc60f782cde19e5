/**
 * How long the Pulumi program (index.ts) takes to evaluate under Pulumi mocks
 * (devkit/program-under-mocks.ts, with Pulumi.yaml's defaults applied as the CLI applies them)
 * for a growing number of approvers in one flat stage, and how many resources each approver adds.
 * The helper waits for registrations to stop (a fixed ~50 ms of quiet), which is in every figure
 * alike. The first evaluation, not timed, bundles the handlers (cached for the rest).
 */
import { performance } from "node:perf_hooks";
import { exampleApprovers, runProgram } from "../devkit/program-under-mocks";
import { median } from "./stats";

export interface Evaluation {
  approvers: number;
  /** Fastest of the repeats (ms): the least disturbed by other load on the machine; the fit uses it. */
  ms: number;
  /** Median of the repeats (ms). */
  medianMs: number;
  resources: number;
}

export interface ProgramScaling {
  evaluations: Evaluation[];
  /** Resources added per approver, from the smallest and largest runs. */
  resourcesPerApprover: number;
  /** Fixed resources (the workflow without approvers), by the same line. */
  fixedResources: number;
  /** Milliseconds added per approver, from the smallest and largest runs. */
  msPerApprover: number;
  /** Middle run's time against the straight line through the outer two (1.00 = exactly linear). */
  linearity: number;
  /** Whether every resource count lies exactly on the line. */
  resourcesLinear: boolean;
}

export async function measureProgramEvaluation(approverCounts: number[], repeats: number): Promise<ProgramScaling> {
  await runProgram({ approvers: exampleApprovers(approverCounts[0]) }); // loads Pulumi and bundles the handlers
  const times = new Map<number, number[]>(approverCounts.map((approvers) => [approvers, []]));
  const resources = new Map<number, number>();
  // Round after round over the sizes, so a burst of load on this machine hits every size alike.
  for (let round = 0; round < repeats; round++) {
    for (const approvers of approverCounts) {
      const started = performance.now();
      const run = await runProgram({ approvers: exampleApprovers(approvers) });
      times.get(approvers)!.push(performance.now() - started);
      resources.set(approvers, run.resources.length);
    }
  }
  const evaluations = approverCounts.map((approvers) => ({
    approvers,
    ms: Math.min(...times.get(approvers)!),
    medianMs: median(times.get(approvers)!),
    resources: resources.get(approvers)!,
  }));
  return { evaluations, ...scaling(evaluations) };
}

/** Straight-line fit through the smallest and largest runs; pure. */
export function scaling(evaluations: Evaluation[]): Omit<ProgramScaling, "evaluations"> {
  const sorted = [...evaluations].sort((a, b) => a.approvers - b.approvers);
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  const span = last.approvers - first.approvers;
  const resourcesPerApprover = (last.resources - first.resources) / span;
  const msPerApprover = (last.ms - first.ms) / span;
  const middle = sorted[Math.floor(sorted.length / 2)];
  const predicted = first.ms + msPerApprover * (middle.approvers - first.approvers);
  return {
    resourcesPerApprover,
    fixedResources: first.resources - resourcesPerApprover * first.approvers,
    msPerApprover,
    linearity: middle.ms / predicted,
    resourcesLinear: sorted.every(
      (run) => run.resources === first.resources + resourcesPerApprover * (run.approvers - first.approvers),
    ),
  };
}
