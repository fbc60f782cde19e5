/**
 * The AWS sample "parallel human approval" (one Parallel state, one sns:publish.waitForTaskToken
 * branch per approver) run in the same local engine as ours, to count its state transitions the
 * same way. Its definition is kept in bench/baselines/ (copied from the project's baseline notes)
 * so the benchmark runs on a fresh clone.
 *
 * Each Task is answered at once with an empty result, which is what an approver's
 * SendTaskSuccess from the AWS CLI amounts to; the published SNS message is one email.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
// Imported for countTransitions, and for the Promise.withResolvers polyfill it installs on Node 20.
import { countTransitions, type ExecutionEvent } from "../local/state-machine-runner";

export const AWS_SAMPLE_DEFINITION_FILE = path.join(__dirname, "baselines", "aws-sample-parallel-approval.asl.json");

interface SampleBranch {
  StartAt: string;
  States: Record<string, { Type: string; Parameters?: { TopicArn?: string } }>;
}
interface SampleDefinition {
  StartAt: string;
  States: Record<string, { Type: string; Branches?: SampleBranch[]; Next?: string }>;
}

export function loadAwsSample(): SampleDefinition {
  return JSON.parse(readFileSync(AWS_SAMPLE_DEFINITION_FILE, "utf8")) as SampleDefinition;
}

/**
 * The sample's structure for `stages` (approvers per stage). The sample itself is one Parallel of
 * three hard-coded branches; for other counts its first branch is repeated with the approver
 * number changed, and for several stages its Parallel is repeated in sequence (each one's Next
 * the following one, the last one's the sample's Succeed), as a user of the sample would have to
 * do by hand. It has no quorum: a stage ends when all its approvers answered.
 */
export function awsSampleFor(stages: readonly number[]): SampleDefinition {
  const sample = loadAwsSample();
  const entry = Object.entries(sample.States).find(([, state]) => state.Type === "Parallel");
  if (entry === undefined || entry[1].Branches === undefined || entry[1].Branches.length === 0)
    throw new Error("bench: the AWS sample has no Parallel state");
  const [parallelName, parallel] = entry;
  if (stages.length === 1 && parallel.Branches!.length === stages[0]) return sample;
  const template = JSON.stringify(parallel.Branches![0]);
  const after = parallel.Next;
  const names = stages.map((_, index) => (stages.length === 1 ? parallelName : `${parallelName} ${index + 1}`));
  delete sample.States[parallelName];
  let approver = 0;
  stages.forEach((size, index) => {
    sample.States[names[index]] = {
      ...structuredClone(parallel),
      Branches: Array.from(
        { length: size },
        () => JSON.parse(template.replace(/Approver1/g, `Approver${++approver}`)) as SampleBranch,
      ),
      Next: index + 1 < stages.length ? names[index + 1] : after,
    };
  });
  sample.StartAt = names[0];
  return sample;
}

export interface SampleRun {
  status: "SUCCEEDED" | "FAILED";
  stateTransitions: number;
  /** sns:publish tasks run: one email each to its approver's topic. */
  snsPublishes: number;
}

/** Runs the sample with every approver answering SendTaskSuccess, and counts its work. */
export async function runAwsSample(stages: readonly number[]): Promise<SampleRun> {
  const definition = awsSampleFor(stages);
  const taskNames = Object.values(definition.States)
    .flatMap((state) => state.Branches ?? [])
    .flatMap((branch) =>
      Object.entries(branch.States)
        .filter(([, state]) => state.Type === "Task")
        .map(([name]) => name),
    );
  let snsPublishes = 0;
  const handlers = Object.fromEntries(
    taskNames.map((name) => [
      name,
      async () => {
        // As the local runner does: let the library forward branch events before the task ends.
        await new Promise((resolve) => setImmediate(resolve));
        snsPublishes += 1;
        return {};
      },
    ]),
  );
  // The library validates (and mutates) what it is given: pass a copy.
  const machine = new StateMachine(structuredClone(definition) as unknown as StateMachineDefinition);
  const execution = machine.run(
    { request: "bench" },
    {
      overrides: { taskResourceLocalHandlers: handlers },
      context: { Task: { Token: "sample-task-token" } },
    },
  );
  const events: ExecutionEvent[] = [];
  const logged = (async () => {
    for await (const event of execution.eventLogs) events.push(event);
  })();
  const status = await execution.result.then(
    () => "SUCCEEDED" as const,
    () => "FAILED" as const,
  );
  await logged;
  return { status, stateTransitions: countTransitions(events), snsPublishes };
}
