/** Shared by the plain Terraform tiers: the example and the module, copied out of the repository. */
import { cpSync } from 'node:fs';
import * as path from 'node:path';

export const REPO = path.join(__dirname, '..', '..');
export const PLAIN_TERRAFORM_FOLDERS = [
  'examples/plain-terraform',
  'modules/centralized-root-access',
] as const;

/**
 * Copies the example and the module into `into` at their repository-relative paths (the example
 * sources the module as `../../modules/...`), without local Terraform state or `.terraform`, so
 * `terraform init` and `apply` write nothing into the repository. Returns the example's folder.
 */
export function copyPlainTerraform(into: string): string {
  for (const folder of PLAIN_TERRAFORM_FOLDERS) {
    cpSync(path.join(REPO, folder), path.join(into, folder), {
      recursive: true,
      filter: (source) => !/[\\/]\.terraform(\.lock\.hcl)?$|\.tfstate/.test(source),
    });
  }
  return path.join(into, 'examples', 'plain-terraform');
}

/**
 * A Terraform override file for the example's `provider "aws"` block, pointing every service at
 * `endpoint` (the emulator), the way a rehearsal does it: the example itself stays as a user
 * copies it, and Terraform merges `*_override.tf` into it.
 */
export function emulatorOverride(endpoint: string, services: readonly string[]): string {
  return [
    'provider "aws" {',
    '  endpoints {',
    ...services.map((service) => `    ${service} = ${JSON.stringify(endpoint)}`),
    '  }',
    '  s3_use_path_style           = true',
    '  skip_metadata_api_check     = true',
    '  skip_region_validation      = true',
    '}',
    '',
  ].join('\n');
}
