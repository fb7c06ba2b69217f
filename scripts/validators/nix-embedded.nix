# The daemon configurations a NixOS configuration carries inside it, for their own
# validators: radvd.conf text (`services.radvd.config`) and Kea's DHCPv4 and DHCPv6
# settings (`services.kea.dhcp4.settings`, `services.kea.dhcp6.settings`), each null
# when the configuration does not set it. Calls the module with the same stub
# arguments as nix-offline-check.nix, so no nixpkgs is needed.
# Usage: nix-instantiate --store dummy:// --eval --strict --json nix-embedded.nix \
#          --arg file /abs/path/configuration.nix
{ file }:
let
  b = builtins;
  m = import file;
  stubLib = {
    mkDefault = v: v; mkForce = v: v; mkOverride = _: v: v; mkIf = _: v: v;
    mkMerge = vs: vs; mkBefore = v: v; mkAfter = v: v; mkOrder = _: v: v;
  };
  stubPkgs = b.listToAttrs (map (n: { name = n; value = "/nix/store/stub-${n}"; })
    [ "bird2" "bird3" "curl" "keepalived" ]);
  args = { config = {}; options = {}; lib = stubLib; pkgs = stubPkgs; modulesPath = "/modules"; };
  r = if b.isFunction m then m args else m;
  services = r.services or {};
in {
  radvd = services.radvd.config or null;
  dhcp4 = services.kea.dhcp4.settings or null;
  dhcp6 = services.kea.dhcp6.settings or null;
}
