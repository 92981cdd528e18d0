/**
 * A small reader of Prometheus's text exposition format (version 0.0.4), written for the tests independently of
 * prom-client: `# HELP name text`, `# TYPE name kind`, and sample lines `name{label="value",…} value [timestamp]`
 * (label values escape `\\`, `\"` and `\n`).
 */
import { expect } from 'chai';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  types: Map<string, string>;
  help: Map<string, string>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? ([^ ]+)(?: -?\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  while (LABEL.lastIndex < text.length) {
    const m = LABEL.exec(text);
    expect(m, `label list of: ${line}`).to.not.equal(null);
    labels[m![1]!] = m![2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

/** A value as Prometheus reads it (Go's ParseFloat: `+Inf`, `-Inf`, `NaN` in any case, decimal or exponent notation); undefined if none. */
function parseValue(text: string): number | undefined {
  if (/^[+-]?inf$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(text)) return NaN;
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text) ? Number(text) : undefined;
}

/** Parse an exposition; fails the test on a line that is none of the three forms. */
export function parseExposition(text: string): Exposition {
  const out: Exposition = { samples: [], types: new Map(), help: new Map() };
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      (meta[1] === 'HELP' ? out.help : out.types).set(meta[2]!, meta[3]!);
      continue;
    }
    expect(line.startsWith('#') ? null : line, `an exposition line: ${line}`).to.match(SAMPLE);
    const [, name, labels, value] = SAMPLE.exec(line)!;
    const number = parseValue(value!);
    expect(number, `a number in: ${line}`).to.not.equal(undefined);
    out.samples.push({ name: name!, labels: labels ? parseLabels(labels, line) : {}, value: number! });
  }
  return out;
}

/** The sum of the samples named `name` whose labels include `labels` (0 when none). */
export function valueOf(exp: Exposition, name: string, labels: Record<string, string> = {}): number {
  return exp.samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

/** Whether a sample named `name` (with `labels`) is present. */
export function has(exp: Exposition, name: string, labels: Record<string, string> = {}): boolean {
  return exp.samples.some((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}
