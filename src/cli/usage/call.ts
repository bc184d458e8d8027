// The usage of `certbound call`, apart from the command so that `certbound call --help` loads
// only this text (src/cli/main.ts), never the command's implementation.

/** What `certbound call --help` prints. */
export const CALL_USAGE = `Usage: certbound call <url> --cert F --key F --ca F --client-id ID [--issuer URL] [--scope S] [--resource R]
                      [-X METHOD] [-d BODY] [-H 'Name: value']...

Gets a certificate-bound token and calls the API with it over the same mTLS identity;
prints the status line, then the body. Exits 0 for a 2xx answer, 1 otherwise.
  -d BODY   send BODY with POST (unless -X), as application/x-www-form-urlencoded like curl's -d;
            for JSON add -H 'content-type: application/json'
  --resource R   the audience of the token (the API's registered identifier), which need not be
                 the URL called`;
