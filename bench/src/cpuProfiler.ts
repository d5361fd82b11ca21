/**
 * A V8 CPU profile of part of a bench script (the `--cpu-profile FILE` option of w1Profile, m1Paired
 * and trainingTaskProfile), through the inspector in this process; `cpuProfileSummary.js` reads the file.
 * @module
 */
import type { Profiler } from 'node:inspector';

/** A running CPU profile: `stop` ends it, writes it to `file` atomically and returns it. */
export interface CpuProfiling {
  stop(file: string): Promise<Profiler.Profile>;
}

/** Starts sampling this thread's stacks every `intervalUs` microseconds. */
export async function startCpuProfile(intervalUs: number): Promise<CpuProfiling> {
  const session = new (await import('node:inspector/promises')).Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
  await session.post('Profiler.start');
  return {
    async stop(file) {
      const { profile } = await session.post('Profiler.stop');
      // imported here, once sampling stopped: a script that profiles another checkout's packages
      // loads no second core while it samples
      const { writeFileAtomic } = await import('@tapegrad/core');
      await writeFileAtomic(file, JSON.stringify(profile));
      session.disconnect();
      return profile;
    },
  };
}
