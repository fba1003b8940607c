/**
 * A character scanner for MLflow's search grammar (filters and order_by terms).
 *
 * The grammar is context sensitive (`1st` is a key segment after `metrics.` but a malformed
 * number after `>`), so the parser asks for the token it expects at each point instead of
 * lexing the whole input up front. Every failure goes through `fail`, which throws
 * INVALID_PARAMETER_VALUE naming the input, the position and what was found there.
 */
import { errors } from '../errors/orrery-error.js';
import type { Comparator } from './ast.js';

/** Letters, digits, combining marks and underscore: what an unquoted key segment may hold. */
const WORD = /[\p{L}\p{N}\p{M}_]+/uy;
/** A character that may not directly follow a number (`1e`, `1.2.3`, `5abc` are malformed). */
const GLUED_TO_NUMBER = /[\p{L}\p{N}\p{M}_.]/uy;
const WHITESPACE = /\s+/y;
/** Integers, decimals, a leading minus and an exponent: `3`, `-0.5`, `.5`, `1e-3`, `2.5E+10`. */
const NUMBER = /-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;

/** Longest input quoted back in an error message; filters can be long. */
const MAX_QUOTED_INPUT = 200;

/** A quoted token: the text between the quotes (escapes resolved) and the quote character. */
export interface QuotedText {
  text: string;
  quote: "'" | '"' | '`';
}

export class FilterLexer {
  pos = 0;

  /**
   * @param text the input
   * @param label how errors name the input, e.g. "search filter" or "order_by clause"
   */
  constructor(
    readonly text: string,
    private readonly label: string,
  ) {}

  /** Throws INVALID_PARAMETER_VALUE naming the input, the rule broken and the position. */
  fail(reason: string, at: number = this.pos): never {
    const shown =
      this.text.length > MAX_QUOTED_INPUT ? `${this.text.slice(0, MAX_QUOTED_INPUT)}...` : this.text;
    throw errors.invalidParameter(`Invalid ${this.label} '${shown}': ${reason} (at position ${at}).`);
  }

  /** What is at `at`, for error messages: the next chunk of text, or "the end of the input". */
  describe(at: number = this.pos): string {
    if (at >= this.text.length) return 'the end of the input';
    const rest = this.text.slice(at);
    const chunk = /^\S{1,30}/u.exec(rest)?.[0] ?? rest.slice(0, 1);
    return chunk.includes("'") ? `"${chunk}"` : `'${chunk}'`;
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string | undefined {
    return this.text[this.pos];
  }

  /** Skips whitespace; says whether there was any. */
  skipWhitespace(): boolean {
    WHITESPACE.lastIndex = this.pos;
    if (WHITESPACE.test(this.text)) {
      this.pos = WHITESPACE.lastIndex;
      return true;
    }
    return false;
  }

  /** Reads an unquoted word (letters, digits, marks, underscore), or returns undefined. */
  readWord(): string | undefined {
    WORD.lastIndex = this.pos;
    const match = WORD.exec(this.text);
    if (!match) return undefined;
    this.pos = WORD.lastIndex;
    return match[0];
  }

  /** Whether the next word equals `word` (case-insensitive) and ends there; does not consume. */
  peekKeyword(word: string): boolean {
    const saved = this.pos;
    const found = this.readWord();
    this.pos = saved;
    return found !== undefined && found.toUpperCase() === word;
  }

  /**
   * Reads a quoted token if one starts here. In '...' and "..." strings the quote is escaped by
   * doubling it or by a backslash, and a backslash by another backslash; any other backslash is
   * kept as is (so Windows paths need no escaping). In `...` identifiers a backtick is doubled.
   */
  readQuoted(): QuotedText | undefined {
    const quote = this.peek();
    if (quote !== "'" && quote !== '"' && quote !== '`') return undefined;
    const start = this.pos;
    let i = start + 1;
    let out = '';
    for (;;) {
      if (i >= this.text.length) {
        const what = quote === '`' ? 'quoted identifier' : 'string';
        this.fail(`unterminated ${what} starting with ${quote}`, start);
      }
      const ch = this.text[i] as string;
      const next = this.text[i + 1];
      if (quote !== '`' && ch === '\\' && (next === quote || next === '\\')) {
        out += next;
        i += 2;
      } else if (ch === quote && next === quote) {
        out += quote;
        i += 2;
      } else if (ch === quote) {
        this.pos = i + 1;
        return { text: out, quote };
      } else {
        out += ch;
        i += 1;
      }
    }
  }

  /** Reads a number literal if one starts here; a number glued to letters or dots is an error. */
  readNumber(): number | undefined {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (!match) return undefined;
    const end = NUMBER.lastIndex;
    GLUED_TO_NUMBER.lastIndex = end;
    if (GLUED_TO_NUMBER.test(this.text)) this.fail(`malformed number ${this.describe(this.pos)}`);
    this.pos = end;
    return Number(match[0]);
  }

  /**
   * Reads a comparator: `= != > >= < <=`, or (case-insensitive) `LIKE`, `ILIKE`, `IN`, `NOT IN`.
   * Returns it in canonical (upper) case, or undefined when none is here.
   */
  readComparator(): Comparator | undefined {
    for (const symbol of ['!=', '>=', '<=', '=', '>', '<'] as const) {
      if (this.text.startsWith(symbol, this.pos)) {
        this.pos += symbol.length;
        return symbol;
      }
    }
    const start = this.pos;
    const word = this.readWord()?.toUpperCase();
    if (word === 'LIKE' || word === 'ILIKE' || word === 'IN') return word;
    if (word === 'NOT') {
      const spaced = this.skipWhitespace();
      const afterNot = this.pos;
      if (spaced && this.readWord()?.toUpperCase() === 'IN') return 'NOT IN';
      this.fail(`expected IN after NOT, found ${this.describe(afterNot)}`, afterNot);
    }
    this.pos = start;
    return undefined;
  }
}
