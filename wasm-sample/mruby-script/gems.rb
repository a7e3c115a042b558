# The mruby gems of mruby-script, the same for the wasm module and its native twin:
# every core gem but the binaries and tests, I/O (io, socket, print), sleep, and the
# complex numbers (compiler-rt's complex division needs non-trapping float-to-int, and
# the module keeps to the MVP so that every runtime of the suite can run it).
# mruby-time and mruby-random call WASI's clock: wasi_stubs.c answers inside the module.
def wrb_mruby_script_gems(conf)
  skip = /^mruby-(?:bin-.*|test.*|io|socket|sleep|print|complex|cmath)$/
  Dir.glob("#{MRUBY_ROOT}/mrbgems/mruby-*/mrbgem.rake").sort.each do |x|
    g = File.basename(File.dirname(x))
    conf.gem core: g unless g =~ skip
  end
end
