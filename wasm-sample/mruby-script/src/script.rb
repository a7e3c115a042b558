# The mruby-script sample's script; run(n) returns bench(n). Integers stay below
# 2^31: the wasm build has mruby's 32-bit integers, the native one 64-bit ones.

def prime?(k)
  return false if k < 2
  i = 2
  while i * i <= k
    return false if k % i == 0
    i += 1
  end
  true
end

def bench(n)
  sum = 0
  primes = []
  2.upto(n - 1) { |k| if prime?(k); sum += k; primes << k; end }
  names = {}
  primes.each_with_index { |p, i| names["p#{i}"] = p }
  text = primes.map { |p| p.to_s }.join(",")
  rescued = 0
  primes.each do |p|
    begin
      raise ArgumentError, "p#{p}" if p % 4 == 3
    rescue ArgumentError => e
      rescued += e.message.size
    end
  end
  found = primes.each { |p| break p if p > n / 2 }
  (sum + names.size + text.length + rescued + found + (Integer("zz") rescue 1000)) & 0x7fffffff
end
