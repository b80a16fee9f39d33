/**
 * The sequential approach of the public guides, for the speed-up figure: one account after
 * another, AssumeRoot with the delete task policy, list each kind of root credential, and (enforce)
 * delete what is listed. The SDK clients are built the way the guides build them.
 */
import {
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteSigningCertificateCommand,
  GetLoginProfileCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
  ListSigningCertificatesCommand,
} from '@aws-sdk/client-iam';
import { AssumeRootCommand, STSClient } from '@aws-sdk/client-sts';

export async function runSequential(
  accountIds: readonly string[],
  mode: 'audit' | 'enforce',
  credentials: { accessKeyId: string; secretAccessKey: string },
): Promise<{ wallMs: number; accounts: number }> {
  const sts = new STSClient({ region: 'us-east-1', credentials });
  const started = performance.now();
  for (const accountId of accountIds) {
    const { Credentials: c } = await sts.send(
      new AssumeRootCommand({
        TargetPrincipal: accountId,
        TaskPolicyArn: { arn: 'arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials' },
      }),
    );
    const iam = new IAMClient({
      region: 'us-east-1',
      credentials: {
        accessKeyId: c?.AccessKeyId ?? '',
        secretAccessKey: c?.SecretAccessKey ?? '',
        sessionToken: c?.SessionToken ?? '',
      },
    });
    const keys = (await iam.send(new ListAccessKeysCommand({}))).AccessKeyMetadata ?? [];
    const certs = (await iam.send(new ListSigningCertificatesCommand({}))).Certificates ?? [];
    const password = await iam.send(new GetLoginProfileCommand({})).then(
      () => true,
      () => false,
    );
    const mfa = (await iam.send(new ListMFADevicesCommand({}))).MFADevices ?? [];
    if (mode === 'enforce') {
      if (password) await iam.send(new DeleteLoginProfileCommand({}));
      for (const key of keys) await iam.send(new DeleteAccessKeyCommand({ AccessKeyId: key.AccessKeyId }));
      for (const cert of certs) {
        await iam.send(new DeleteSigningCertificateCommand({ CertificateId: cert.CertificateId }));
      }
      for (const device of mfa) {
        await iam.send(new DeactivateMFADeviceCommand({ SerialNumber: device.SerialNumber }));
      }
    }
    iam.destroy();
  }
  const wallMs = performance.now() - started;
  sts.destroy();
  return { wallMs, accounts: accountIds.length };
}
