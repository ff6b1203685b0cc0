package main

// newSecretStore returns the Secret Service (GNOME Keyring, KWallet)
// through go-keyring.
func newSecretStore() secretStore { return goKeyring{service: keyringService} }
