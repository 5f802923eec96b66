import { describe, expect, it } from 'vitest';
import { fitScaling, scaleRow, Z_LIMIT } from '../../src/models/index.js';

describe('fitScaling', () => {
  // Recency uniform, orders and revenue right-skewed, and a column with 90% of its rows at 1 (IQR 0) for the fallbacks.
  const rows = 500;
  const cols = 4;
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    data[i * cols] = (i * 37) % 365;
    data[i * cols + 1] = 1 + Math.floor(i % 97 === 0 ? 40 : (i % 7) / 3);
    data[i * cols + 2] = Math.exp(2 + ((i * 13) % 50) / 10);
    data[i * cols + 3] = i % 10 === 0 ? 3 : 1;
  }
  const { data: scaled, params } = fitScaling(data, rows, cols);

  it('logs right-skewed columns and leaves symmetric ones', () => {
    expect(params.map((p) => p.transform)).toEqual(['identity', 'log1p', 'log1p', 'log1p']);
    expect(params[0]!.scaleFrom).toBe('iqr');
    expect(params[3]!.scaleFrom).not.toBe('iqr');
    expect(params.every((p) => p.scale > 0)).toBe(true);
  });

  it('keeps the order of the few negative values of a skewed column', () => {
    const money = Float64Array.from([-20, 0, 3, 5, 8, 10, 15, 30, 80, 2000]);
    const { data: m, params: p } = fitScaling(money, money.length, 1);
    expect(p[0]!.transform).toBe('log1p');
    for (let i = 1; i < m.length; i++) expect(m[i]!).toBeGreaterThan(m[i - 1]!);
  });

  it('scales a new row with the stored parameters exactly as the batch', () => {
    for (const i of [0, 1, 97, 250, 499]) {
      const row = scaleRow(data.subarray(i * cols, i * cols + cols), params);
      expect(Array.from(row)).toEqual(Array.from(scaled.subarray(i * cols, i * cols + cols)));
    }
  });
});

describe('the cap on scaled values', () => {
  it('holds an outlier at Z_LIMIT robust deviations, in the batch and for a new row alike', () => {
    // 200 customers with return rates around 0.1 and one at 40: uncapped, that one sits hundreds of deviations out.
    const column = Float64Array.from({ length: 201 }, (_, i) => (i === 200 ? 40 : 0.05 + (i % 10) / 100));
    const { data, params } = fitScaling(column, column.length, 1);
    expect(data[200]).toBe(Z_LIMIT);
    expect(Math.max(...Array.from(data.subarray(0, 200)))).toBeLessThan(Z_LIMIT);
    expect(scaleRow([1000], params)[0]).toBe(Z_LIMIT);
    expect(scaleRow([-1000], params)[0]).toBe(-Z_LIMIT);
  });
});
