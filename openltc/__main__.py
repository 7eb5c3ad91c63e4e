from openltc.cli import main

main()
