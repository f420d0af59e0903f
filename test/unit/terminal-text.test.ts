import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createUi } from '../../src/cli/ui.ts';
import { plainName, toTerminalJson, toTerminalText, unsafeCharacter } from '../../src/util/terminal-text.ts';
import { hostileCases } from '../support/hostile.ts';

// Everything a terminal acts on rather than shows: escape sequences (OSC title, CSI clear screen,
// OSC 8 hyperlinks), a lone CR that overwrites the line, C1 CSI, bidi overrides and isolates.
const INJECTIONS: Array<{ name: string; text: string }> = [
  { name: 'OSC title change and clear screen', text: '\u001b]0;pwned\u0007\u001b[2Jx' },
  { name: 'cursor movement', text: 'a\u001b[1A\u001b[2Kb' },
  { name: 'OSC 8 hyperlink', text: '\u001b]8;;https://evil.example\u001b\\click\u001b]8;;\u001b\\' },
  { name: 'carriage return overwriting the line', text: 'Removed 3 secrets\rAll good      ' },
  { name: 'C1 CSI (0x9b)', text: 'a\u009b2Jb' },
  { name: 'backspaces and bell', text: 'abc\b\b\b\u0007xyz' },
  { name: 'right-to-left override', text: 'dynauth-\u202etxt.exe' },
  { name: 'bidi isolates and marks', text: '\u2066a\u2069\u200e\u200f\u061c' },
  { name: 'NUL and DEL', text: 'a\u0000b\u007f' },
  { name: 'line separator', text: 'a\u2028b' },
  { name: 'colour codes a value brought in', text: '\u001b[8mhidden\u001b[0m' },
];

for (const { name, text } of hostileCases('terminal-injection', INJECTIONS)) {
  test(`a shown line loses its ${name}`, () => {
    const shown = toTerminalText(text);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: these are the control characters a shown line must not carry
    const unsafe = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;
    assert.doesNotMatch(shown, unsafe, JSON.stringify(shown));
    assert.ok(unsafeCharacter(text), 'the same character is refused in a name');
    assert.equal(unsafeCharacter(plainName(text)), undefined);
  });
}

test('newlines and tabs the UI writes are kept; ordinary text is untouched', () => {
  assert.equal(toTerminalText('line one\n\tline two\r\n'), 'line one\n\tline two\n');
  assert.equal(toTerminalText('Ünïcödé — 日本語 — עברית'), 'Ünïcödé — 日本語 — עברית');
});

test("with colour on, the UI's own colour codes survive and any other sequence does not", () => {
  const styled = '\u001b[1mbold\u001b[22m \u001b[32mgreen\u001b[39m';
  assert.equal(toTerminalText(styled, { keepStyle: true }), styled);
  assert.equal(toTerminalText('\u001b[8mhidden\u001b[2J\u001b]0;t\u0007', { keepStyle: true }), 'hidden');
  assert.equal(toTerminalText(styled), 'bold green');
  // What removing one character leaves behind never becomes a sequence.
  assert.equal(toTerminalText('\u001b\u0000[8m\u001b\u001b[2J[8m', { keepStyle: true }), '[8m[8m');
  assert.equal(toTerminalText('a\u009b1mb\u009b2Jc', { keepStyle: true }), 'abc', "a C1 CSI is never one of the UI's own");
});

test('JSON for a terminal escapes C1 and bidi characters and keeps the data', () => {
  const json = toTerminalJson(JSON.stringify({ name: 'dynauth-\u202etxt.exe\u009b' }));
  assert.equal(json, '{"name":"dynauth-\\u202etxt.exe\\u009b"}');
  assert.equal(JSON.parse(json).name, 'dynauth-\u202etxt.exe\u009b');
});

test('every UI line, hint and result is shown without control characters, after the redactor', () => {
  const stderr = new PassThrough();
  const stdout = new PassThrough();
  let err = '';
  let out = '';
  stderr.on('data', (chunk) => (err += chunk));
  stdout.on('data', (chunk) => (out += chunk));
  const secret = 'abc\u001b[2Jdefghijklmnop';
  const ui = createUi({ stdout, stderr }, { color: false, quiet: false, json: false, verbose: true }, (text) =>
    text.replaceAll(secret, '[redacted]'),
  );
  const evil = '\u001b]0;pwned\u0007\u001b[2J\u202eX';
  ui.info(`environment ${evil}`);
  ui.step(evil);
  ui.success(evil);
  ui.warn(evil);
  ui.error(`no such environment ${evil}`, `hint ${evil}`);
  ui.verbose(`trace ${evil} ${secret}`);
  ui.result({}, () => `result ${evil}`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC, BEL and RLO are the control characters the output must not carry
  assert.doesNotMatch(err + out, /[\u001b\u0007\u202e]/u);
  assert.match(err, /environment X\n/);
  assert.match(err, / {2}hint X\n/);
  assert.match(err, /trace X \[redacted\]/, 'the secret is redacted before its control characters go');
  assert.equal(out, 'result X\n');
});
