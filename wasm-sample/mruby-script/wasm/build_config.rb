# mruby's build for the mruby-script sample (build-wasm.sh).
# Host: only mrbc, which compiles mrblib/*.rb for the cross build.
MRuby::Build.new do |conf|
  conf.toolchain :gcc
  conf.build_mrbc_exec
  conf.disable_libmruby
  conf.disable_presym
end

MRuby::CrossBuild.new('wasm32') do |conf|
  conf.toolchain :clang
  include = File.expand_path('include', __dir__)
  wflags = %W(--target=wasm32-wasi --sysroot=/usr -mcpu=mvp -O2 -Wno-deprecated -ffile-prefix-map=#{MRUBY_ROOT}=mruby -isystem #{include})
  conf.cc.command = 'clang-22'
  conf.cc.flags = wflags
  conf.cc.defines += %w(MRB_NO_STDIO)
  conf.cxx.command = 'clang++-22'
  conf.cxx.flags = wflags
  conf.cxx.defines += %w(MRB_NO_STDIO)
  conf.linker.command = 'clang-22'
  conf.linker.flags = %w(--target=wasm32-wasi --sysroot=/usr)
  conf.archiver.command = 'llvm-ar-22'
  # All core gems but the binaries and tests, I/O (io, socket, print), sleep, and the
  # complex numbers (compiler-rt's complex division needs non-trapping float-to-int, and
  # the module keeps to the MVP so that every runtime of the suite can run it).
  # mruby-time and mruby-random call WASI's clock: wasi_stubs.c answers inside the module.
  skip = /^mruby-(?:bin-.*|test.*|io|socket|sleep|print|complex|cmath)$/
  Dir.glob("#{MRUBY_ROOT}/mrbgems/mruby-*/mrbgem.rake").sort.each do |x|
    g = File.basename(File.dirname(x))
    conf.gem core: g unless g =~ skip
  end
end
