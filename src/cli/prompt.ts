/**
 * A hidden prompt on a terminal: the typed characters are read in raw mode
 * and never echoed (no readline internals). Enter ends the answer,
 * Backspace removes the last character, Ctrl-C or Ctrl-D aborts with an error.
 */
export async function readHidden(prompt: string, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stdout): Promise<string> {
  output.write(prompt);
  input.setRawMode(true);
  input.resume();
  input.setEncoding('utf8');
  try {
    return await new Promise<string>((resolve, reject) => {
      let answer = '';
      const onData = (chunk: string): void => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n') return done(() => resolve(answer));
          if (ch === '\u0003' || ch === '\u0004') return done(() => reject(new Error('aborted')));
          if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
          else answer += ch;
        }
      };
      const done = (settle: () => void): void => {
        input.off('data', onData);
        settle();
      };
      input.on('data', onData);
    });
  } finally {
    input.setRawMode(false);
    input.pause();
    output.write('\n');
  }
}
