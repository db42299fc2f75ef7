/**
 * Where JSON text first goes wrong, as an offset: V8's JSON.parse says "at position N" for some
 * errors but not for others (`Unexpected token ':', ..."seed"::"... is not valid JSON`), and a
 * person with a broken crash file wants the line and column. A small recursive-descent check of
 * RFC 8259 syntax; only called after JSON.parse has already failed.
 */
class Stop extends Error {
  constructor(readonly offset: number) {
    super('json syntax');
  }
}

export function jsonErrorOffset(text: string): number | null {
  let at = 0;
  const fail = (offset = at): never => {
    throw new Stop(offset);
  };
  const space = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at]!)) at++;
  };
  const expect = (char: string) => {
    if (text[at] !== char) fail();
    at++;
  };
  const string = () => {
    expect('"');
    while (at < text.length && text[at] !== '"') {
      const char = text.charCodeAt(at);
      if (char < 0x20) fail();
      if (text[at] === '\\') {
        at++;
        if (text[at] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(at + 1, at + 5))) fail();
          at += 5;
          continue;
        }
        if (!'"\\/bfnrt'.includes(text[at] ?? 'x')) fail();
      }
      at++;
    }
    expect('"');
  };
  const number = () => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(at));
    if (match === null) fail();
    at += match![0].length;
  };
  const value = (): void => {
    space();
    const char = text[at];
    if (char === '{') {
      at++;
      space();
      if (text[at] === '}') {
        at++;
        return;
      }
      for (;;) {
        space();
        string();
        space();
        expect(':');
        value();
        space();
        if (text[at] === ',') {
          at++;
          continue;
        }
        expect('}');
        return;
      }
    }
    if (char === '[') {
      at++;
      space();
      if (text[at] === ']') {
        at++;
        return;
      }
      for (;;) {
        value();
        space();
        if (text[at] === ',') {
          at++;
          continue;
        }
        expect(']');
        return;
      }
    }
    if (char === '"') {
      string();
      return;
    }
    for (const word of ['true', 'false', 'null']) {
      if (char !== word[0]) continue;
      // As V8 does: a broken literal goes wrong at its first character that differs, not where it starts.
      for (let i = 1; i < word.length; i++) if (text[at + i] !== word[i]) fail(at + i);
      at += word.length;
      return;
    }
    number();
  };
  try {
    value();
    space();
    return at < text.length ? at : null;
  } catch (error) {
    if (error instanceof Stop) return error.offset;
    throw error;
  }
}
