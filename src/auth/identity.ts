// The credentials of @azure/identity that dynauth uses, imported by name so that the published
// bundle leaves out the others (managed identity, DefaultAzureCredential's chain …), which every
// sign-in would otherwise load.
export {
  AzureCliCredential,
  ClientAssertionCredential,
  ClientCertificateCredential,
  ClientSecretCredential,
  DeviceCodeCredential,
  InteractiveBrowserCredential,
} from '@azure/identity';
