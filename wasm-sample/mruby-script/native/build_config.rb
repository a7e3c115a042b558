# mruby's build for mruby-script's native twin (build.rs): the same mruby sources, gems and
# compiler (clang-22, -O2) as the wasm module's build (../wasm/build_config.rb), for the
# host, with the wasm build's 32-bit integers (mruby picks 64-bit ones for 64-bit hosts).
require_relative '../gems'
# Host: only mrbc, which compiles mrblib/*.rb for the twin's build.
MRuby::Build.new do |conf|
  conf.toolchain :gcc
  conf.build_mrbc_exec
  conf.disable_libmruby
  conf.disable_presym
end

MRuby::CrossBuild.new('twin') do |conf|
  conf.toolchain :clang
  flags = %W(-O2 -fPIC -Wno-deprecated -ffile-prefix-map=#{MRUBY_ROOT}=mruby)
  conf.cc.command = 'clang-22'
  conf.cc.flags = flags
  conf.cc.defines += %w(MRB_NO_STDIO MRB_INT32)
  conf.cxx.command = 'clang++-22'
  conf.cxx.flags = flags
  conf.cxx.defines += %w(MRB_NO_STDIO MRB_INT32)
  conf.linker.command = 'clang-22'
  conf.archiver.command = 'llvm-ar-22'
  wrb_mruby_script_gems(conf)
end
