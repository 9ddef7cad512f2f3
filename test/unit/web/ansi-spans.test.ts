import { describe, expect, it } from 'vitest';
import { ansiSpans } from '../../../packages/web/src/ansi-spans.js';

describe('ansiSpans', () => {
  it('styles text by its SGR escapes and resets them', () => {
    expect(ansiSpans('\u001b[1;31mred bold\u001b[0m plain \u001b[92mgreen\u001b[39m')).toEqual([
      { text: 'red bold', classes: ['ansi-fg-1', 'ansi-bold'] },
      { text: ' plain ', classes: [] },
      { text: 'green', classes: ['ansi-fg-10'] },
    ]);
  });

  it('turns 256-colour and true-colour codes into CSS colours', () => {
    expect(ansiSpans('\u001b[38;5;196ma\u001b[48;2;1;2;3mb')).toEqual([
      { text: 'a', classes: [], style: 'color:rgb(255,0,0)' },
      { text: 'b', classes: [], style: 'color:rgb(255,0,0);background:rgb(1,2,3)' },
    ]);
  });

  it('drops escapes that are not colours, and keeps markup as text', () => {
    expect(ansiSpans('\u001b[2K\u001b[1G<b>x</b>')).toEqual([{ text: '<b>x</b>', classes: [] }]);
  });

  it('leaves a line without escapes whole', () => {
    expect(ansiSpans('*** masked')).toEqual([{ text: '*** masked', classes: [] }]);
  });
});
