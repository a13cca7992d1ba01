/**
 * The props of one protected API of the construct's `upstreamApis` (docs/integrating.md, "Several
 * APIs"); the compiler checks them against the setting's JSON (infra/setting-props.ts).
 */

/** One protected API of `upstreamApis`. */
export interface UpstreamApiProps {
  /** The path segment after `/api/`: 1 to 63 characters a-z, 0-9 and -, not starting with -; unique. */
  readonly name: string;
  /** The API's base URL (https, no query, credentials or fragment); `/api/<name>/<rest>` goes to `<url>/<rest>`. */
  readonly url: string;
  /**
   * The methods the browser may use on this API, upper-case.
   * @default - GET, HEAD, POST, PUT, PATCH, DELETE and OPTIONS
   */
  readonly methods?: readonly string[];
  /**
   * Extra scopes this API needs: requested at sign-in, and in the grant of its audience token.
   * @default - none
   */
  readonly scopes?: readonly string[];
  /**
   * An RFC 8707 resource indicator (absolute URI): the API is then called with an access token
   * issued for this audience alone, obtained with a refresh-token grant (the provider must issue
   * refresh tokens) and kept in the session.
   * @default - none: the API gets the session's access token
   */
  readonly audience?: string;
}
