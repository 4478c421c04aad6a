/**
 * The message schemas (spec § 8): one JSON Schema (draft 2020-12) per message type, read from the
 * published directory `openapi/messages/v1/`. A type without a schema there is not known.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv";
import * as formats from "ajv-formats";

// ajv-formats is CommonJS: under NodeNext its function is the module's `default`
const addFormats = formats.default.default;

const NOT_MESSAGES = new Set(["envelope", "receipt", "fetch"]);

export class Schemas {
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(directory: string) {
    const ajv = new Ajv2020({ strict: false, allErrors: false });
    addFormats(ajv);
    for (const name of readdirSync(directory).sort()) {
      if (!name.endsWith(".json")) continue;
      const kind = name.slice(0, -".json".length);
      const schema = JSON.parse(readFileSync(join(directory, name), "utf8")) as object;
      const validate = ajv.compile(schema);
      if (!NOT_MESSAGES.has(kind)) this.validators.set(kind, validate);
      else this.validators.set(`#${kind}`, validate);
    }
  }

  knows(kind: string): boolean {
    return this.validators.has(kind) && !kind.startsWith("#");
  }

  /** True when `payload` is valid for message type `kind`. */
  valid(kind: string, payload: unknown): boolean {
    const validate = this.validators.get(kind);
    return validate !== undefined && !kind.startsWith("#") && validate(payload) === true;
  }

  /** The signed claims' own schemas: envelope, receipt, fetch. */
  validClaims(which: "envelope" | "receipt" | "fetch", claims: unknown): boolean {
    const validate = this.validators.get(`#${which}`);
    return validate !== undefined && validate(claims) === true;
  }

  types(): string[] {
    return [...this.validators.keys()].filter((k) => !k.startsWith("#"));
  }
}
