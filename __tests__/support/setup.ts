import { Testing } from 'cdktf';
// Brings the matcher types (toHaveResourceWithProperties, ...) into every test file.
import type {} from 'cdktf/lib/testing/adapters/jest';

// Registers the cdktf matchers (toHaveResource, toHaveResourceWithProperties, toBeValidTerraform, ...).
Testing.setupJest();
