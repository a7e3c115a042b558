# mruby's build for the mruby-script sample (build-wasm.sh).
require_relative '../gems'
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
  wrb_mruby_script_gems(conf)
end
