/**
 * Snapshot serializer for synthesized stacks: replaces values that change whenever a bundled
 * asset changes (cdktf asset folder hashes, `source_code_hash`, archive hashes), so snapshots
 * fail on changed resources and construct ids, not on every edit to the Lambda source.
 *
 * Use with `expect.addSnapshotSerializer(assetHashSerializer)` in a test file.
 */

const SCRUBBED = '<scrubbed>';

const RULES: readonly (readonly [RegExp, string])[] = [
  // cdktf writes assets to `assets/<construct path>/<hash>/...` and references them by that path.
  [/(assets\/[^/"\s]+\/)[0-9A-Fa-f]{32,64}(?=\/|")/g, `$1${SCRUBBED}`],
  // Hash-valued arguments: `source_code_hash`, `output_base64sha256`, `etag` and friends.
  [
    /("(?:source_code_hash|output_base64sha256|output_base64sha512|output_md5|output_sha|output_sha256|etag|hash)":\s*")[^"$]+(")/g,
    `$1${SCRUBBED}$2`,
  ],
];

export function scrubAssetHashes(text: string): string {
  return RULES.reduce((current, [pattern, replacement]) => current.replace(pattern, replacement), text);
}

type SnapshotPlugin = Parameters<typeof expect.addSnapshotSerializer>[0];

export const assetHashSerializer: SnapshotPlugin = {
  test(value: unknown): boolean {
    return typeof value === 'string' && scrubAssetHashes(value) !== value;
  },
  serialize(value: string, config, indentation, depth, refs, printer) {
    // Scrubbing is idempotent, so `test` is false for the result and the default string printer takes over.
    return printer(scrubAssetHashes(value), config, indentation, depth, refs);
  },
};
