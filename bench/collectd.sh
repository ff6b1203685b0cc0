# bench/collectd.sh: sourced by the benchmarks that run collectd as Rogue's
# peer, so that each compares Rogue with the same collectd: the plugins that
# read what Rogue reads (cpu, memory, disk, interface) at a 1 s interval,
# written to RRD files as Rogue writes its own.

# collectd_conf DIR writes DIR/collectd.conf, with collectd's state and RRD
# files under DIR/collectd.
collectd_conf() {
	mkdir -p "$1/collectd/rrd"
	cat > "$1/collectd.conf" <<CONF
Hostname "bench"
FQDNLookup false
BaseDir "$1/collectd"
PIDFile "$1/collectd.pid"
PluginDir "/usr/lib/collectd"
TypesDB "/usr/share/collectd/types.db"
Interval 1
LoadPlugin cpu
LoadPlugin memory
LoadPlugin disk
LoadPlugin interface
LoadPlugin rrdtool
<Plugin rrdtool>
  DataDir "$1/collectd/rrd"
</Plugin>
CONF
}
