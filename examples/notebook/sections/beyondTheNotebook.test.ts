import { describe, expect, it } from 'vitest';
import { runSectionAlone as run } from '../../test-utils/runSectionAlone.js';
import { beyondTheNotebook } from './beyondTheNotebook.js';
import { sections } from './index.js';
import { sbnForward, sbnGradCheck, sbnTestTime } from './spatialBatchNorm.js';
import { sgnForward, sgnGradCheck } from './spatialGroupNorm.js';


describe('Beyond the notebook: the ConvolutionalNetworks notebook\'s normalization cells', () => {
  it('the part comes after the BatchNormalization notebook\'s sections, in this order', () => {
    expect(sections.slice(-beyondTheNotebook.length).map((s) => s.id)).toEqual(['sbn-forward', 'sbn-test-time', 'sbn-gradcheck', 'sgn-forward', 'sgn-gradcheck', 'convnets']);
  });

  it("sbn-test-time prints the numbers the notebook printed, digit for digit", async () => {
    const { lines, out } = await run(sbnTestTime);
    expect(lines.slice(0, 3)).toEqual([
      'After spatial batch normalization (test-time):',
      '  means:  [-0.08034406  0.07562881  0.05716371  0.04378383]',
      '  stds:  [0.96718744 1.0299714  1.02887624 1.00585577]',
    ]);
    expect(out.values!['sameAsNotebook']).toBe(true);
  });

  it('sbn-forward: shape, per-channel means and stds before, after, and with gamma [3, 4, 5], beta [6, 7, 8]', async () => {
    const { lines, out } = await run(sbnForward);
    expect(lines[0]).toBe('Before spatial batch normalization:');
    expect(lines[1]).toBe('  Shape:  (2, 3, 4, 5)');
    expect(lines[4]).toBe('After spatial batch normalization:');
    expect(lines[8]).toBe('After spatial batch normalization (nontrivial gamma, beta):');
    expect(lines[10]).toBe('  Means:  [6. 7. 8.]');
    expect(out.values!['ok']).toBe(true);
  });

  it('sgn-forward: four (sample, group) rows, normalized', async () => {
    const { lines, out } = await run(sgnForward);
    expect(lines[0]).toBe('Before spatial group normalization:');
    expect(lines[1]).toBe('  Shape:  (2, 6, 4, 5)');
    expect(lines[2]).toMatch(/^ {2}Means: {2}\[(\s*\d+\.\d+){4}\]$/);
    expect(out.values!['ok']).toBe(true);
  });

  it('the gradient checks print three errors; the analytic gradients agree with a fourth-order difference to 1e-8, and fused with tape to 1e-13', async () => {
    for (const section of [sbnGradCheck, sgnGradCheck]) {
      const { lines, out } = await run(section);
      expect(lines.filter((l) => l !== '').map((l) => l.split(':')[0])).toEqual(['dx error', 'dgamma error', 'dbeta error']);
      const v = out.values! as Record<string, Record<string, number>>;
      for (const path of ['tapeFine', 'fusedFine']) for (const e of Object.values(v[path]!)) expect(e, `${section.id} ${path}`).toBeLessThan(1e-8);
      for (const e of Object.values(v['fusedVsTape']!)) expect(e).toBeLessThan(1e-13);
      // at cs231n's h = 1e-5, dgamma and dbeta land in 1e-12..1e-10 and dx (the finite differences' rounding) below 1e-6
      expect(v['tape']!['dx']).toBeLessThan(1e-6);
      expect(out.values!['inRange']).toBe(true);
    }
  });
});
